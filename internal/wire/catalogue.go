package wire

import (
	"fmt"
	"net/http"
)

// Meta's error codes that the gateway and the simulator produce or act on.
// See meta-platform.md §1.9; titles follow Meta's error-codes page.
const (
	CodeUnknownRequest     = 1
	CodeTemporary          = 2
	CodeAppRateLimit       = 4
	CodePermission         = 10
	CodeInvalidParameter   = 100
	CodeAccessToken        = 190
	CodePermissionDenied   = 200
	CodePolicyRestricted   = 368
	CodeThroughput         = 130429
	CodeGenericUser        = 131000
	CodeMissingParameter   = 131008
	CodeParameterInvalid   = 131009
	CodeServiceUnavailable = 131016
	CodeSameRecipient      = 131021
	CodeUndeliverable      = 131026
	CodeAccountLocked      = 131031
	CodeWindowClosed       = 131047
	CodeSpamRateLimit      = 131048
	CodeEcosystem          = 131049
	CodeMarketingStopped   = 131050
	CodeUnsupportedType    = 131051
	CodePairRate           = 131056
	CodeMaintenance        = 131057
	CodeTemplateParams     = 132000
	CodeTemplateMissing    = 132001
	CodeTemplatePaused     = 132015
	CodeTemplateDisabled   = 132016
	CodeWABARateLimit      = 80007
)

// Title returns Meta's title for code, or a generic one.
func Title(code int) string {
	if m, ok := metaByCode[code]; ok {
		return m.Title
	}
	return "Error"
}

// NewError builds a Graph error for code with Meta's title and the given
// details, with the HTTP status a Graph client expects for that code.
func NewError(code int, details string) *Error {
	return &Error{
		Message:    fmt.Sprintf("(#%d) %s", code, Title(code)),
		Type:       "OAuthException",
		Code:       code,
		ErrorData:  &ErrorData{MessagingProduct: "whatsapp", Details: details},
		HTTPStatus: HTTPStatusFor(code),
	}
}

// Errorf is NewError with a formatted explanation.
func Errorf(code int, format string, args ...any) *Error {
	return NewError(code, fmt.Sprintf(format, args...))
}

// HTTPStatusFor maps a Graph code to the HTTP status clients expect. Meta no
// longer documents statuses; these follow the OpenAPI examples and what BSPs
// observe (throttling 429, auth 401, permission 403, server trouble 5xx).
func HTTPStatusFor(code int) int {
	switch code {
	case CodeAccessToken, 0:
		return http.StatusUnauthorized
	case CodePermission, CodePermissionDenied:
		return http.StatusForbidden
	case CodeThroughput, CodePairRate, CodeAppRateLimit, CodeWABARateLimit:
		return http.StatusTooManyRequests
	case CodeTemporary, CodeServiceUnavailable, CodeMaintenance:
		return http.StatusServiceUnavailable
	case CodeGenericUser:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}
