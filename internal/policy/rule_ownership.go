package policy

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// DefaultRules returns the rules every send passes, in order. Ownership runs
// first: it is a map lookup already done, and a tenant probing another's
// number must learn nothing from schema or recipient errors.
func DefaultRules(defaultRegion string) []Rule {
	return []Rule{Ownership{}, Schema{}, Recipient{DefaultRegion: defaultRegion}}
}

// Ownership refuses sends from numbers the gateway does not know or that
// belong to another tenant. Both get the same answer, Graph's own for an id
// it cannot load, so a tenant cannot tell another tenant's number from one
// that does not exist; only the stored decision code tells them apart, for
// the operator.
type Ownership struct{}

// Name implements Rule.
func (Ownership) Name() string { return "ownership" }

// Check implements Rule.
func (Ownership) Check(_ context.Context, m *Message) Decision {
	code := ""
	switch {
	case m.Sender == nil:
		code = "ownership.unknown_sender"
	case m.Sender.TenantID != m.TenantID:
		code = "ownership.foreign_sender"
	default:
		return Allowed()
	}
	e := wire.UnknownObject(http.MethodPost, m.PhoneNumberID)
	// The reason is the operator's (stored with the decision, never sent):
	// it names the case the client must not learn.
	d := Rejected("ownership", code, e.Code, fmt.Sprintf("Phone number %s is not one of this tenant's senders (%s).", m.PhoneNumberID, strings.TrimPrefix(code, "ownership.")))
	d.Err = e
	return d
}
