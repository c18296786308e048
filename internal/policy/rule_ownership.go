package policy

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// DefaultRules returns the rules every send passes, in order. Ownership runs
// first: it is a map lookup already done, and a tenant probing another's
// number must learn nothing from schema or recipient errors.
func DefaultRules(defaultRegion string) []Rule {
	return []Rule{Ownership{}, Schema{}, Recipient{DefaultRegion: defaultRegion}}
}

// Ownership refuses sends from numbers the gateway does not know or that
// belong to another tenant.
type Ownership struct{}

// Name implements Rule.
func (Ownership) Name() string { return "ownership" }

// Check implements Rule.
func (Ownership) Check(_ context.Context, m *Message) Decision {
	if m.Sender == nil {
		// Word for word what Graph answers for an id it cannot load, so
		// clients handle a mistyped phone number id as they already do.
		msg := fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", m.PhoneNumberID)
		d := Rejected("ownership", "ownership.unknown_sender", wire.CodeInvalidParameter, msg)
		d.Err.Message = msg
		d.Err.Type = "GraphMethodException"
		d.Err.ErrorSubcode = 33
		d.Err.HTTPStatus = http.StatusBadRequest
		return d
	}
	if m.Sender.TenantID != m.TenantID {
		// Code 10 as for every other object of another tenant (templates,
		// phone number reads), so clients see one permission error.
		d := Rejected("ownership", "ownership.foreign_sender", wire.CodePermission,
			fmt.Sprintf("Phone number %s is not one of this account's senders.", m.PhoneNumberID))
		d.Err.HTTPStatus = http.StatusForbidden
		return d
	}
	return Allowed()
}
