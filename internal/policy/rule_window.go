package policy

import (
	"context"
	"time"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// ServiceWindow is how long after a person's last message the business may
// send free-form messages (Meta's customer service window).
const ServiceWindow = 24 * time.Hour

// Window refuses free-form messages (anything but a template) outside the
// 24-hour customer service window, which Meta would fail with 131047 after
// accepting them: refusing at once tells the client synchronously and
// spends nothing of the sender's throughput.
type Window struct{}

// Name implements Rule.
func (Window) Name() string { return "window" }

// Check implements Rule.
func (Window) Check(_ context.Context, m *Message) Decision {
	f := m.Facts
	if !f.Loaded || m.Request == nil || m.Request.IsMarkRead() || m.Request.IsTemplate() {
		return Allowed()
	}
	if m.Request.RecipientType == "group" {
		return Allowed() // groups have no per-person window
	}
	if f.LastInbound.IsZero() || m.Now.Sub(f.LastInbound) >= ServiceWindow {
		return Refused("window", refusal.WindowClosed, f.Lang, "")
	}
	return Allowed()
}
