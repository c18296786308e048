package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// errParam refuses a parameter in the request's language (messages.go),
// naming it first so a client (or a person reading a dashboard's toast)
// sees which field to fix.
func errParam(l refusal.Lang, field string, m msg, args ...any) *wire.Error {
	return wire.NewError(wire.CodeInvalidParameter, text(l, msgParam, field, text(l, m, args...)))
}

// errMissing refuses a request without a required parameter.
func errMissing(l refusal.Lang, field string) *wire.Error {
	return wire.NewError(wire.CodeMissingParameter, text(l, msgMissing, field))
}

// errNumber refuses a phone number the API cannot use, naming where it
// came from ("number" in a path or a body).
func errNumber(l refusal.Lang, field string, err error) *wire.Error {
	return errParam(l, field, msgAsGiven, strings.TrimPrefix(err.Error(), phone.ErrInvalid.Error()+": "))
}

// errUnknownPath is Graph's answer to a path it cannot route, as the
// gateway gives it.
func errUnknownPath(r *http.Request) *wire.Error {
	msg := text(lang(r), msgUnknownPath, r.URL.Path)
	e := wire.NewError(wire.CodeInvalidParameter, msg)
	e.Message = msg
	return e
}

// errInternal is the only answer to a failure of the gateway itself; the
// cause is logged, never shown.
func errInternal(l refusal.Lang) *wire.Error {
	e := wire.NewError(wire.CodeUnknownRequest, text(l, msgInternal))
	e.HTTPStatus = http.StatusInternalServerError
	e.IsTransient = true
	return e
}

// fieldNames maps the ledger's field names to this API's JSON.
var fieldNames = map[string]string{"contact": "number"}

// ledgerError turns a refusal of the ledger into a 400 naming the field,
// and anything else into a logged 500.
func (s *Server) ledgerError(r *http.Request, err error) *wire.Error {
	var fe *consent.FieldError
	if errors.As(err, &fe) {
		f := fe.Field
		if n, ok := fieldNames[f]; ok {
			f = n
		}
		return errParam(lang(r), f, msgAsGiven, fe.Reason)
	}
	s.log.ErrorContext(r.Context(), "api: consent ledger failed", "err", err, "route", r.Pattern)
	return errInternal(lang(r))
}

// writeError writes a Graph error.
func writeError(w http.ResponseWriter, e *wire.Error) { wire.WriteError(w, e) }

// writeJSON writes v as the JSON body of a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// No request at hand: the default language.
		writeError(w, errInternal(refusal.PT))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
