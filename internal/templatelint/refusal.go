package templatelint

import (
	"fmt"
	"strings"

	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Error is the Graph error refusing a creation whose report holds a block:
// the catalogue's 470150 in lang, with every finding, blocks and warnings,
// in error_data.details.
func (r Report) Error(lang refusal.Lang) *wire.Error {
	return refusal.Must(refusal.TemplateLintRejected).Error(lang, r.Summary(lang))
}

// Summary is every finding in one paragraph of lang: "1. [block
// promotional.utility] components[0].text: message Fix."
func (r Report) Summary(lang refusal.Lang) string {
	var b strings.Builder
	for i, f := range r.Findings {
		if i > 0 {
			b.WriteString(" ")
		}
		t := f.In(lang)
		fmt.Fprintf(&b, "%d. [%s %s] %s: %s %s", i+1, f.Severity, f.Code, f.Field, t.Message, t.Fix)
	}
	return b.String()
}

// GraphError is bad input as Meta answers it: code 100, invalid parameter,
// naming the field.
func (e *FieldError) GraphError() *wire.Error {
	if e.Field == "" {
		return wire.Errorf(wire.CodeInvalidParameter, "The template creation request is invalid: %s.", e.Reason)
	}
	return wire.Errorf(wire.CodeInvalidParameter, "The parameter %s %s.", e.Field, e.Reason)
}
