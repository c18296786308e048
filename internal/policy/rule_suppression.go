package policy

import (
	"context"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Suppression refuses messages to people who said stop or whose data was
// erased. It runs at intake and again right before each send, because an
// opt-out can arrive while a message waits in the queue.
//
//   - Erased: nothing is sent, of any kind, until the person opts in anew.
//   - Opted out of everything: templates are refused; a free-form reply is
//     allowed only when the person wrote again after the opt-out (they
//     reopened the conversation themselves); the opt-out message itself
//     opens a window, but not one the business may use.
//   - Opted out of a category (marketing, from a keyword, Meta's
//     user_preferences or a 131050): templates of that category are
//     refused.
type Suppression struct{}

// Name implements Rule.
func (Suppression) Name() string { return "suppression" }

// SendTime implements SendTimeRule: an opt-out or an erasure committed after
// acceptance stops the next send.
func (Suppression) SendTime() bool { return true }

// Check implements Rule.
func (Suppression) Check(_ context.Context, m *Message) Decision {
	f := m.Facts
	if !f.Loaded || m.Request == nil || m.Request.IsMarkRead() {
		return Allowed()
	}
	c := f.Consent
	if c.Erased() {
		return Refused("suppression", refusal.Erased, f.Lang, "")
	}
	cat := CategoryOf(m)
	if all, at := c.OptedOutOfAll(); all {
		if cat != "" || !f.LastInbound.After(at) {
			return Refused("suppression", refusal.OptedOut, f.Lang, "")
		}
		return Allowed()
	}
	if cat == "" {
		return Allowed()
	}
	if c.For(cat).Action == consent.OptOut {
		if cat == consent.Marketing {
			return Refused("suppression", refusal.OptedOutMarketing, f.Lang, "")
		}
		return Refused("suppression", refusal.OptedOut, f.Lang, "")
	}
	return Allowed()
}
