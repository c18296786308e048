package policy

import (
	"context"
	"strings"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Template refuses templates the local cache knows cannot be sent: absent
// from the sender's WABA, not approved, paused, disabled, or sent with the
// wrong parameters. Meta would accept such a send and fail it later; the
// cache lets the client hear it synchronously. When the cache has not synced
// the WABA yet, the rule allows and Meta decides.
type Template struct{}

// Name implements Rule.
func (Template) Name() string { return "template" }

// Check implements Rule.
func (Template) Check(_ context.Context, m *Message) Decision {
	f := m.Facts
	t := f.Template
	if !f.Loaded || t == nil {
		return Allowed()
	}
	switch t.Status {
	case TemplateAbsent:
		return Refused("template", refusal.TemplateUnknown, f.Lang, "")
	case TemplatePending:
		return Refused("template", refusal.TemplateNotApproved, f.Lang, "")
	case TemplatePaused:
		return Refused("template", refusal.TemplatePaused, f.Lang, "")
	case TemplateDisabled:
		return Refused("template", refusal.TemplateDisabled, f.Lang, "")
	case TemplateApproved:
		if len(t.Problems) > 0 {
			return Refused("template", refusal.TemplateParams, f.Lang, strings.Join(t.Problems, "; ")+".")
		}
	}
	return Allowed()
}
