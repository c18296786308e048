package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Recipient normalises the recipient to its canonical wa_id, refusing
// numbers WhatsApp cannot deliver to and sends to the sender itself.
type Recipient struct {
	// DefaultRegion reads numbers written without a country code, as ISO
	// 3166-1 alpha-2 ("BR"); empty refuses them.
	DefaultRegion string
}

// Name implements Rule.
func (Recipient) Name() string { return "recipient" }

// Check implements Rule.
func (r Recipient) Check(ctx context.Context, m *Message) Decision {
	if m.Request == nil {
		// Run alone (tests, re-checks at send time) the rule still needs a
		// parsed request.
		if d := (Schema{}).Check(ctx, m); d.Outcome != Allow {
			return d
		}
	}
	req := m.Request
	if req.IsMarkRead() || req.RecipientType == "group" || phone.IsBSUID(req.To) {
		return Allowed()
	}
	n, err := phone.Normalize(req.To, r.DefaultRegion)
	if err != nil {
		reason := fmt.Sprintf("Param to is not a valid WhatsApp phone number: %s. Write it in international format with the country code, e.g. +5511987654321.",
			strings.TrimPrefix(err.Error(), phone.ErrInvalid.Error()+": "))
		return Rejected("recipient", "recipient.invalid", wire.CodeInvalidParameter, reason)
	}
	if m.Sender != nil && m.Sender.DisplayPhoneNumber != "" {
		if own, err := phone.Normalize(m.Sender.DisplayPhoneNumber, ""); err == nil && slices.Contains(own.Aliases(), n.WaID) {
			return Rejected("recipient", "recipient.self", wire.CodeSameRecipient,
				fmt.Sprintf("The recipient %s is the sending phone number itself.", n.E164))
		}
	}
	m.WaID = n.WaID
	return Allowed()
}
