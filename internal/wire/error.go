package wire

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
)

// ErrorEnvelope is the body of every Graph API error response.
type ErrorEnvelope struct {
	Error *Error `json:"error"`
}

// Error is a Graph API error as Meta returns it. The gateway uses the same
// shape for its own refusals so a Cloud API client handles both alike.
type Error struct {
	Message      string     `json:"message"`
	Type         string     `json:"type"`
	Code         int        `json:"code"`
	ErrorSubcode int        `json:"error_subcode,omitempty"`
	ErrorData    *ErrorData `json:"error_data,omitempty"`
	IsTransient  bool       `json:"is_transient,omitempty"`
	FBTraceID    string     `json:"fbtrace_id"`

	// HTTPStatus is the status a Graph client expects with this error; it is
	// not part of the JSON body.
	HTTPStatus int `json:"-"`
	// RetryAfter, in seconds, is sent as a Retry-After header when positive.
	RetryAfter int `json:"-"`
}

// ErrorData carries the human explanation a client should act on.
type ErrorData struct {
	MessagingProduct string `json:"messaging_product,omitempty"`
	Details          string `json:"details,omitempty"`
}

func (e *Error) Error() string {
	if e.ErrorData != nil && e.ErrorData.Details != "" {
		return fmt.Sprintf("%s: %s", e.Message, e.ErrorData.Details)
	}
	return e.Message
}

// Details returns the error's explanation, or "" when it has none.
func (e *Error) Details() string {
	if e == nil || e.ErrorData == nil {
		return ""
	}
	return e.ErrorData.Details
}

// Status returns the HTTP status to answer with, 400 when unset.
func (e *Error) Status() int {
	if e.HTTPStatus == 0 {
		return http.StatusBadRequest
	}
	return e.HTTPStatus
}

// NewTraceID returns a random id shaped like Graph's fbtrace_id.
func NewTraceID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// WriteError writes e as a Graph error response, with Retry-After when set.
func WriteError(w http.ResponseWriter, e *Error) {
	if e.FBTraceID == "" {
		e.FBTraceID = NewTraceID()
	}
	if e.Type == "" {
		e.Type = "OAuthException"
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-FB-Trace-ID", e.FBTraceID)
	w.WriteHeader(e.Status())
	_ = json.NewEncoder(w).Encode(ErrorEnvelope{Error: e})
}
