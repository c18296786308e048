package policy

import (
	"context"
	"fmt"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Consent refuses business-initiated messages (templates) to people with no
// opt-in on record for the template's category (marketing when the category
// is unknown). Replies inside the customer service window are the person's
// own conversation and need none; the window rule governs them. It runs at
// intake and again before each send.
type Consent struct {
	// Confirmed is the tenant's double opt-in: a marketing opt-in counts
	// only when the person gave it on WhatsApp (a keyword or an answer to
	// the confirmation message, or Meta's resume), not when it was
	// recorded from a form, an import or the API alone.
	Confirmed bool
}

// Name implements Rule.
func (Consent) Name() string { return "consent" }

// SendTime implements SendTimeRule: an opt-out or an erasure committed after
// acceptance stops the next send.
func (Consent) SendTime() bool { return true }

// Check implements Rule.
func (c Consent) Check(_ context.Context, m *Message) Decision {
	f := m.Facts
	if !f.Loaded {
		return Allowed()
	}
	cat := CategoryOf(m)
	if cat == "" {
		return Allowed()
	}
	st := f.Consent.For(cat)
	if !st.OptedIn() {
		return Refused("consent", refusal.NoConsent, f.Lang, fmt.Sprintf("[category=%s]", cat))
	}
	if c.Confirmed && cat == consent.Marketing && st.Source != consent.WhatsAppKeyword && st.Source != consent.UserPreferences {
		return Refused("consent", refusal.Unconfirmed, f.Lang, "")
	}
	return Allowed()
}
