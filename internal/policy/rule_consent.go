package policy

import (
	"context"
	"fmt"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Consent refuses business-initiated messages (templates) to people with no
// opt-in on record for the template's category (marketing when the category
// is unknown). Replies inside the customer service window are the person's
// own conversation and need none; the window rule governs them. It runs at
// intake and again before each send.
type Consent struct{}

// Name implements Rule.
func (Consent) Name() string { return "consent" }

// Check implements Rule.
func (Consent) Check(_ context.Context, m *Message) Decision {
	f := m.Facts
	if !f.Loaded {
		return Allowed()
	}
	cat := CategoryOf(m)
	if cat == "" {
		return Allowed()
	}
	if !f.Consent.For(cat).OptedIn() {
		return Refused("consent", refusal.NoConsent, f.Lang, fmt.Sprintf("[category=%s]", cat))
	}
	return Allowed()
}
