package content

import (
	"context"
	"fmt"
	"strings"
)

// Classifier categories.
const (
	ClassifierSpam     Category = "classifier.spam"
	ClassifierSmishing Category = "classifier.smishing"
)

// Thresholds are the classifier scores from which a verdict becomes a
// finding.
type Thresholds struct {
	Spam     float64
	Smishing float64
}

// DefaultThresholds: a finding only when the model is fairly sure.
var DefaultThresholds = Thresholds{Spam: 0.9, Smishing: 0.9}

// Checker runs the layers on a message. It is safe for concurrent use.
type Checker struct {
	classifier Classifier
	thresholds Thresholds
}

// Option configures a Checker.
type Option func(*Checker)

// WithClassifier adds the statistical layer (nil leaves it off).
func WithClassifier(c Classifier) Option { return func(k *Checker) { k.classifier = c } }

// WithThresholds sets the classifier's thresholds; zero fields keep the
// defaults.
func WithThresholds(t Thresholds) Option {
	return func(k *Checker) {
		if t.Spam > 0 {
			k.thresholds.Spam = t.Spam
		}
		if t.Smishing > 0 {
			k.thresholds.Smishing = t.Smishing
		}
	}
}

// New returns a Checker.
func New(opts ...Option) *Checker {
	k := &Checker{thresholds: DefaultThresholds}
	for _, o := range opts {
		o(k)
	}
	return k
}

// Check runs every layer on the texts of m, read together as the person
// reads them. A text that cannot be read makes Result.Err, naming its
// field, and nothing else is checked.
func (k *Checker) Check(ctx context.Context, tenantID string, m Message) Result {
	var res Result
	if len(m.Texts) == 0 && len(m.Links) == 0 {
		return res
	}
	var display, folded strings.Builder
	invisible := 0
	for _, t := range m.Texts {
		n, err := Normalize(t.Value)
		if err != nil {
			res.Err = &InputError{Field: t.Field, Err: err}
			return res
		}
		if display.Len() > 0 {
			display.WriteByte('\n')
		}
		display.WriteString(n.Display)
		folded.WriteString(n.Fold)
		invisible += n.Invisible
	}
	for _, l := range m.Links {
		if n, err := Normalize(l.URL); err != nil {
			res.Err = &InputError{Field: l.Field + ".url", Err: err}
			return res
		} else if n.Invisible > 0 {
			invisible += n.Invisible
		}
	}
	text := display.String()
	urls := findURLs(text)
	if len(urls) > 0 || len(m.Links) > 0 {
		folded.WriteString(linkMark)
	}
	res.Findings = append(res.Findings, checkPatterns(folded.String())...)
	res.Findings = append(res.Findings, checkStructure(text, urls, invisible, m.Links)...)
	if k.classifier != nil && text != "" {
		v, err := k.classifier.Classify(ctx, tenantID, text)
		if err != nil {
			res.ClassifierErr = fmt.Errorf("content: classifier: %w", err)
		} else if f, ok := k.verdict(v); ok {
			res.Findings = append(res.Findings, f)
		}
	}
	return res
}

// verdict turns a classifier's verdict into a finding when it passes its
// label's threshold.
func (k *Checker) verdict(v Verdict) (Finding, bool) {
	f := Finding{Layer: LayerClassifier, Score: v.Score, Model: v.Model, Words: v.Words}
	if len(f.Words) > 5 {
		f.Words = f.Words[:5]
	}
	switch v.Label {
	case "smishing":
		if v.Score < k.thresholds.Smishing {
			return Finding{}, false
		}
		f.Category, f.Severity = ClassifierSmishing, High
		f.Hint = hintSmishing
	case "spam":
		if v.Score < k.thresholds.Spam {
			return Finding{}, false
		}
		f.Category, f.Severity = ClassifierSpam, Medium
		f.Hint = hintSpam
	default:
		return Finding{}, false
	}
	return f, true
}
