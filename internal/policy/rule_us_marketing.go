package policy

import (
	"context"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// USMarketing refuses marketing templates to United States numbers: since
// April 1, 2025 WhatsApp does not deliver them (meta-platform.md §1.4, "US
// numbers (+1 with a US area code) do not receive marketing templates at
// all"); Meta accepts the send and fails it later. Only a template the
// local cache knows as marketing is refused: with the category unknown
// Meta decides. Canada and the Caribbean share +1 and are not affected,
// so the area code decides, not the country code.
//
// It also runs at send time: Meta may recategorise a template to marketing
// after the message was accepted.
type USMarketing struct{}

// Name implements Rule.
func (USMarketing) Name() string { return "us_marketing" }

// SendTime implements SendTimeRule.
func (USMarketing) SendTime() bool { return true }

// Check implements Rule.
func (USMarketing) Check(_ context.Context, m *Message) Decision {
	f := m.Facts
	if !f.Loaded || m.Request == nil || !m.Request.IsTemplate() || f.Template == nil || f.Template.Category != consent.Marketing {
		return Allowed()
	}
	if phone.Region(m.WaID) != "US" {
		return Allowed()
	}
	return Refused("us_marketing", refusal.USMarketing, f.Lang, "")
}
