package policy

import (
	"context"
	"fmt"
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
		return Refused("content", code, m.Facts.Lang, Describe(block))
	}
	if len(warn) > 0 {
		code := groupCode(warn)
		e := refusal.Must(code)
		return Decision{Outcome: Warn, Rule: "content", Code: e.Key, Reason: Describe(warn), Refusal: code}
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

// Describe names each finding's category and the words that triggered it:
// "[scam.pix: pix, taxa de liberação]". The words are the checker's
// lexicon, counts and domains, never the message.
func Describe(fs []content.Finding) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "[%s: %s", f.Category, strings.Join(f.Words, ", "))
		if f.Layer == content.LayerClassifier {
			fmt.Fprintf(&b, "; score %.2f, model %s", f.Score, f.Model)
		}
		b.WriteByte(']')
	}
	return b.String()
}
