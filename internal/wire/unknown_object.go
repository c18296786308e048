package wire

import (
	"fmt"
	"net/http"
	"strings"
)

// UnknownObject is Graph's answer to an id that does not exist, that the
// token may not see, or that does not support the method: code 100, subcode
// 33, HTTP 400, type GraphMethodException, word for word. Graph does not tell
// these cases apart, and the gateway answers every object a tenant does not
// own with exactly this, so another tenant's object and an id nobody has
// are indistinguishable (only fbtrace_id differs between two answers).
func UnknownObject(method, id string) *Error {
	verb := strings.ToLower(method)
	switch verb {
	case "get", "post", "delete":
	default:
		verb = "request"
	}
	return &Error{
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
			verb, id),
		Type:         "GraphMethodException",
		Code:         CodeInvalidParameter,
		ErrorSubcode: 33,
		HTTPStatus:   http.StatusBadRequest,
	}
}
