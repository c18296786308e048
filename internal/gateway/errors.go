package gateway

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Messages Graph gives for authentication failures; clients and SDKs match
// on code 190, some on the text.
const (
	msgNoToken  = "An active access token must be used to query information about the current user."
	msgBadToken = "Invalid OAuth access token - Cannot parse access token"
)

// graphError builds an error whose message is Graph's plain text rather than
// the "(#code) title" form, as Graph does for path and token errors.
func graphError(code, status int, message string) *wire.Error {
	e := wire.NewError(code, message)
	e.Message = message
	e.HTTPStatus = status
	return e
}

// errNoToken answers a request without credentials.
func errNoToken() *wire.Error {
	return graphError(wire.CodeAccessToken, http.StatusUnauthorized, msgNoToken)
}

// errBadToken answers an unknown or revoked API key.
func errBadToken() *wire.Error {
	return graphError(wire.CodeAccessToken, http.StatusUnauthorized, msgBadToken)
}

// errExpiredToken answers a key past its expiry, in the words and subcode
// Graph uses for an expired session.
func errExpiredToken(expired, now time.Time) *wire.Error {
	e := graphError(wire.CodeAccessToken, http.StatusUnauthorized, fmt.Sprintf(
		"Error validating access token: Session has expired on %s. The current time is %s.",
		expired.UTC().Format(time.RFC1123), now.UTC().Format(time.RFC1123)))
	e.ErrorSubcode = 463
	return e
}

// errInternal is the only answer to a failure of the gateway itself; the
// cause is logged, never shown.
func errInternal() *wire.Error {
	e := wire.NewError(wire.CodeUnknownRequest, "An unexpected error has occurred. Please retry your request later.")
	e.HTTPStatus = http.StatusInternalServerError
	e.IsTransient = true
	return e
}

// errUpstream answers when the Cloud API could not be reached.
func errUpstream() *wire.Error {
	e := wire.NewError(wire.CodeTemporary, "The Cloud API could not be reached. Please retry your request later.")
	e.IsTransient = true
	return e
}

// unknownPath is Graph's answer to a path it cannot route.
func unknownPath(r *http.Request) *wire.Error {
	return graphError(wire.CodeInvalidParameter, http.StatusBadRequest,
		fmt.Sprintf("Unknown path components: %s", r.URL.Path))
}

// unknownObject is Graph's answer to an object that does not exist or that
// the token may not see; Graph does not tell the two apart and neither does
// the gateway: every object the tenant does not own gets this answer.
func unknownObject(method, id string) *wire.Error {
	return wire.UnknownObject(method, id)
}

// writeError writes a Graph error; every error body goes through here or
// wire.WriteError so it carries Content-Type and an fbtrace_id.
func writeError(w http.ResponseWriter, e *wire.Error) {
	wire.WriteError(w, e)
}
