package store

import (
	"errors"
	"fmt"
)

// ErrWABAOwned is matched (with errors.Is) by the error PutSender returns
// when the sender's WABA already has senders of another tenant. A WABA
// belongs to one tenant: its account-level webhooks (template reviews,
// restrictions, bans) have exactly one addressee.
var ErrWABAOwned = errors.New("store: WABA belongs to another tenant")

// WABAOwnerError says which tenant already owns the WABA a sender was being
// assigned to.
type WABAOwnerError struct {
	PhoneNumberID string // the sender being written
	WABAID        string
	Tenant        string // the tenant it was being assigned to
	Owner         string // the tenant owning the WABA's other senders
}

func (e *WABAOwnerError) Error() string {
	return fmt.Sprintf("store: sender %s cannot join WABA %s for tenant %q: the WABA belongs to tenant %q",
		e.PhoneNumberID, e.WABAID, e.Tenant, e.Owner)
}

// Is makes errors.Is(err, ErrWABAOwned) true.
func (e *WABAOwnerError) Is(target error) bool { return target == ErrWABAOwned }
