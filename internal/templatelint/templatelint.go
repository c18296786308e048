// Package templatelint checks a message template creation request (the
// body of POST /{waba_id}/message_templates) before it reaches Meta: Meta's
// format rules (name, language, variables, lengths, buttons, examples, header
// formats), the category rules whose breach Meta punishes (promotional
// wording in a UTILITY template is the classic rejection and a
// misclassification strike; authentication templates take only Meta's fixed
// text and an OTP button) and, through TextChecker, the content checks.
//
// Each rule lives in its own rule_<name>.go and returns findings; a finding
// has a stable code, a severity (a block stops the submission, a warning
// lets it through), the field it is about, and a message and fix in pt-BR,
// en and es. The gateway refuses a creation with any block; `wabaguard
// check --template` prints the findings and exits non-zero on a block.
package templatelint

import (
	"context"
	"fmt"
	"slices"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Severity says whether a finding stops the submission.
type Severity string

// Severities.
const (
	// Block: Meta would reject the template, or approving it would count
	// against the business; the gateway does not submit it.
	Block Severity = "block"
	// Warn: worth fixing, but Meta may well approve it.
	Warn Severity = "warn"
)

// Finding is one thing wrong with a template.
type Finding struct {
	// Code names the rule and what it found, "<rule>.<reason>".
	Code     string
	Severity Severity
	// Field is the JSON path of the offending value, such as
	// "components[1].text" or "name".
	Field string
	// Words are the words that made a wording or content check fire.
	Words []string
	text  map[refusal.Lang]Text
}

// Text is a finding's words in one language.
type Text struct {
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// In returns the finding's message and fix in lang (pt-BR when the finding
// has no text in lang).
func (f Finding) In(lang refusal.Lang) Text {
	if t, ok := f.text[lang]; ok {
		return t
	}
	return f.text[refusal.PT]
}

// Localized is a finding rendered in one language, the shape `check --json`
// prints and a refusal lists.
type Localized struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Field    string   `json:"field"`
	Words    []string `json:"words,omitempty"`
	Text
}

// Localize renders f in lang.
func (f Finding) Localize(lang refusal.Lang) Localized {
	return Localized{Code: f.Code, Severity: f.Severity, Field: f.Field, Words: f.Words, Text: f.In(lang)}
}

// String is the finding in one line of pt-BR.
func (f Finding) String() string {
	t := f.In(refusal.PT)
	return fmt.Sprintf("%s %s %s: %s", f.Severity, f.Code, f.Field, t.Message)
}

// Report is what a lint found, blocks first.
type Report struct {
	Findings []Finding
}

// Blocked reports whether any finding is a block.
func (r Report) Blocked() bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Severity == Block })
}

// Warnings returns the findings that are warnings.
func (r Report) Warnings() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == Warn {
			out = append(out, f)
		}
	}
	return out
}

// Localize renders every finding in lang.
func (r Report) Localize(lang refusal.Lang) []Localized {
	out := make([]Localized, 0, len(r.Findings))
	for _, f := range r.Findings {
		out = append(out, f.Localize(lang))
	}
	return out
}

// TextChecker runs the content checks (spam, scams, prohibited content) on
// the text a recipient would see. The content checker is adapted to it
// where the gateway is wired.
type TextChecker interface {
	CheckText(ctx context.Context, tenantID, text string) ([]TextFinding, error)
}

// TextFinding is one content check's verdict on a text.
type TextFinding struct {
	// Rule names the content rule, e.g. "content.phishing".
	Rule string
	// Words are what matched.
	Words []string
	// Block is true when the content must not be sent at all.
	Block bool
	// Messages explain the finding in each language of the refusal
	// catalogue; Message is shown in a language Messages lacks (an input
	// error, which has one text).
	Messages map[refusal.Lang]string
	Message  string
}

// In returns the finding's explanation in lang.
func (tf TextFinding) In(lang refusal.Lang) string {
	if m := tf.Messages[lang]; m != "" {
		return m
	}
	return tf.Message
}

// Linter lints template creation requests.
type Linter struct {
	// Text runs the content checks; nil skips them.
	Text TextChecker
}

// rule is one format or category rule: it reads the parsed template and
// returns what it found.
type rule func(t *Template) []Finding

// rules are run in this order; cheap structural rules first so a reader
// meets the basic faults at the top of the list.
var rules = []rule{
	ruleName,
	ruleLanguage,
	ruleComponents,
	ruleHeader,
	ruleVariables,
	ruleLengths,
	ruleButtons,
	ruleExamples,
	rulePromotional,
	ruleAuthentication,
}

// Lint parses body strictly and runs every rule on it. Bad input (not
// JSON, a field of the wrong type, an unknown field or component) is a
// *FieldError naming the field; an error of the content checker is
// returned wrapped.
func (l *Linter) Lint(ctx context.Context, tenantID string, body []byte) (Report, error) {
	t, err := Parse(body)
	if err != nil {
		return Report{}, err
	}
	return l.Check(ctx, tenantID, t)
}

// Check runs every rule on a parsed template.
func (l *Linter) Check(ctx context.Context, tenantID string, t *Template) (Report, error) {
	var fs []Finding
	for _, r := range rules {
		fs = append(fs, r(t)...)
	}
	if l != nil && l.Text != nil {
		cf, err := checkContent(ctx, l.Text, tenantID, t)
		if err != nil {
			return Report{}, err
		}
		fs = append(fs, cf...)
	}
	// Blocks first, each group in rule order.
	slices.SortStableFunc(fs, func(a, b Finding) int {
		switch {
		case a.Severity == b.Severity:
			return 0
		case a.Severity == Block:
			return -1
		}
		return 1
	})
	return Report{Findings: fs}, nil
}
