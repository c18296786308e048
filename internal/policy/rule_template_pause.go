package policy

import (
	"context"
	"time"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// TemplatePauseRecheck is how long a queued message of a paused template
// waits before it is asked again. Meta unpauses a template after 3 hours
// the first time and 6 the second (meta-platform.md §1.6), so a few checks
// an hour bound the delay after the pause ends without polling hard.
const TemplatePauseRecheck = 10 * time.Minute

// TemplatePause is the send-time side of Template for messages queued
// before Meta paused or disabled their template: a paused template's
// messages wait, unsent and not failed, and go out once it is active
// again (Meta would refuse each with 132015, and the pause costs the
// number quality if ignored); a disabled template's messages fail, since it
// will never be sendable. The tenant learns of the pause from Meta's
// message_template_status_update, forwarded as any other event. At intake
// Template has already refused both.
type TemplatePause struct{}

// Name implements Rule.
func (TemplatePause) Name() string { return "template_pause" }

// SendTime implements SendTimeRule.
func (TemplatePause) SendTime() bool { return true }

// Check implements Rule.
func (TemplatePause) Check(_ context.Context, m *Message) Decision {
	f := m.Facts
	if !f.Loaded || f.Template == nil {
		return Allowed()
	}
	switch f.Template.Status {
	case TemplatePaused:
		return Deferred("template_pause", "template.paused_wait",
			"the template is paused by Meta; the message waits until it is active again", m.Now.Add(TemplatePauseRecheck))
	case TemplateDisabled:
		return Refused("template_pause", refusal.TemplateDisabled, f.Lang, "")
	}
	return Allowed()
}
