package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Content acts on what the content checker found in the text the person
// will see (Facts.Content): a finding whose category the tenant blocks
// refuses the message, one it warns about lets it through with the finding
// recorded in the decision, one it turned off is ignored. A text the
// checker could not read (broken UTF-8, too long) is refused as a bad
// parameter, naming the field.
type Content struct {
	Actions content.Actions
}

// Name implements Rule.
func (Content) Name() string { return "content" }

// contentGroups orders the groups a refusal is named after, the gravest
// first, with each group's refusal.
var contentGroups = []struct {
	group string
	code  refusal.Code
}{
	{content.GroupScam, refusal.ContentScam},
	{content.GroupProhibited, refusal.ContentProhibited},
	{content.GroupRestricted, refusal.ContentRestricted},
	{content.GroupClassifier, refusal.ContentClassifier},
	{content.GroupStructure, refusal.ContentStructure},
}

// Check implements Rule.
func (c Content) Check(_ context.Context, m *Message) Decision {
	res := m.Facts.Content
	if res == nil {
		return Allowed()
	}
	if res.Err != nil {
		return Decision{Outcome: Reject, Rule: "content", Code: "content.unreadable", Reason: res.Err.Error(),
			Err: wire.NewError(wire.CodeInvalidParameter, fmt.Sprintf("Parameter value is not valid: %s", res.Err))}
	}
	var block, warn []content.Finding
	for _, f := range res.Findings {
		switch c.Actions.For(f.Category) {
		case content.Block:
			block = append(block, f)
		case content.Warn:
			warn = append(warn, f)
		}
	}
	if len(block) > 0 {
		code := groupCode(block)
		return Refused("content", code, m.Facts.Lang, describeWithHints(block, m.Facts.Lang))
	}
	if len(warn) > 0 {
		code := groupCode(warn)
		e := refusal.Must(code)
		return Decision{Outcome: Warn, Rule: "content", Code: e.Key, Reason: Describe(warn, refusal.EN), Refusal: code}
	}
	return Allowed()
}

// groupCode is the refusal of the gravest group among findings.
func groupCode(fs []content.Finding) refusal.Code {
	for _, g := range contentGroups {
		for _, f := range fs {
			if f.Category.Group() == g.group {
				return g.code
			}
		}
	}
	return refusal.ContentStructure
}

// Describe names each finding's category and the words that triggered it,
// in lang: "[scam.pix: pix, taxa de liberação]", a classifier's with its
// score and model. The words are the checker's lexicon, counts and
// domains, never the message.
func Describe(fs []content.Finding, lang refusal.Lang) string {
	w := scoreWords[lang]
	if w.score == "" {
		w = scoreWords[refusal.PT]
	}
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "[%s: %s", f.Category, strings.Join(f.Words, ", "))
		if f.Layer == content.LayerClassifier {
			fmt.Fprintf(&b, "; %s %.2f, %s %s", w.score, f.Score, w.model, f.Model)
		}
		b.WriteByte(']')
	}
	return b.String()
}

var scoreWords = map[refusal.Lang]struct{ score, model string }{
	refusal.PT: {"pontuação", "modelo"},
	refusal.EN: {"score", "model"},
	refusal.ES: {"puntuación", "modelo"},
}

// describeWithHints is the detail of a refusal: the findings, then how to
// fix each (a hint shared by several findings once), all in lang.
func describeWithHints(fs []content.Finding, lang refusal.Lang) string {
	var b strings.Builder
	b.WriteString(Describe(fs, lang))
	var seen []string
	for _, f := range fs {
		h := f.Hint.In(lang)
		if h == "" || slices.Contains(seen, h) {
			continue
		}
		seen = append(seen, h)
		b.WriteByte(' ')
		b.WriteString(h)
	}
	return b.String()
}
