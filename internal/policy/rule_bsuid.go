package policy

import (
	"context"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// BSUIDAuth refuses an authentication template sent to a business-scoped
// user id: Meta delivers one-time codes only to phone numbers and answers
// 131062. The gateway answers the same at once, with Meta's code, because it
// is Meta's rule, not the gateway's.
type BSUIDAuth struct{}

// Name implements Rule.
func (BSUIDAuth) Name() string { return "identity" }

// Check implements Rule.
func (BSUIDAuth) Check(_ context.Context, m *Message) Decision {
	if m.Request == nil || !m.Request.IsTemplate() || !phone.IsBSUID(m.Request.To) {
		return Allowed()
	}
	if t := m.Facts.Template; t == nil || t.Category != consent.Authentication {
		return Allowed()
	}
	return Rejected("identity", "identity.authentication_to_bsuid", wire.CodeAuthToBSUID,
		"Authentication templates can be sent only to a phone number, not to a business-scoped user id (BSUID). Send it to the person's number.")
}
