package forward

import (
	"errors"
	"net/url"

	"github.com/wabaguard/wabaguard/internal/egress"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// logFailure says why a tenant's events were not delivered, in terms an
// operator can act on. The events stay queued and are retried either way.
func (f *Forwarder) logFailure(tid string, events int, err error) {
	var (
		refused *egress.RefusedError
		status  *wire.ReceiverError
	)
	switch {
	case errors.As(err, &refused):
		f.log.Warn("forward to tenant refused: webhook URL reaches a forbidden address; events stay queued and are retried",
			"tenant", tid, "events", events, "address", refused.Addr, "kind", refused.Reason,
			"fix", "point the tenant's webhook_url at a public address, or allow it in webhook_destinations")
	case errors.As(err, &status) && status.StatusCode >= 300 && status.StatusCode < 400:
		f.log.Warn("forward to tenant failed: receiver redirected, redirects are not followed; events stay queued and are retried",
			"tenant", tid, "events", events, "status", status.Status)
	default:
		f.log.Warn("forward to tenant failed", "tenant", tid, "events", events, "err", err)
	}
}

// redactURL drops the query and fragment of the URL an HTTP client error
// quotes: a webhook URL may carry a receiver's token there, and the error
// is logged and stored with the forward.
func redactURL(err error) {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		ue.URL = "(webhook URL)"
		return
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.User = "", "", "", nil
	ue.URL = u.String()
}
