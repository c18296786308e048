package policy

import (
	"context"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Schema refuses bodies that are not valid Cloud API send requests, with the
// Graph error Meta would give, and fills in m.Request for later rules.
type Schema struct{}

// Name implements Rule.
func (Schema) Name() string { return "schema" }

// Check implements Rule.
func (Schema) Check(_ context.Context, m *Message) Decision {
	var e *wire.Error
	if m.Request == nil {
		var r *wire.SendRequest
		if r, e = wire.ParseSendRequest(m.Raw); e == nil {
			m.Request = r
		}
	} else {
		// A request built by the caller gets the same checks as a parsed one.
		e = m.Request.Validate()
	}
	if e == nil {
		return Allowed()
	}
	return Decision{
		Outcome: Reject,
		Rule:    "schema",
		Code:    "schema." + schemaReason(e.Code),
		Reason:  e.Details(),
		// The parser's own error, so the client sees Meta's code and the
		// parameter to fix.
		Err: e,
	}
}

// schemaReason names a parser error's Graph code for the stable rule code.
func schemaReason(code int) string {
	switch code {
	case wire.CodeMissingParameter:
		return "missing_parameter"
	case wire.CodeParameterInvalid:
		return "invalid_value"
	case wire.CodeUnsupportedType:
		return "unsupported_type"
	}
	return "invalid_parameter"
}
