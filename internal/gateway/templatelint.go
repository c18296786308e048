package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/templatelint"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TemplateLinter checks the template creation requests of the tenants
// whose lint is on.
type TemplateLinter interface {
	// Lints reports whether the tenant's creations are linted; the others
	// are relayed as they come.
	Lints(tenantID string) bool
	// LintTemplate lints one creation request, given as JSON.
	LintTemplate(ctx context.Context, tenantID string, body []byte) (templatelint.Report, error)
}

// LintWarningsHeader names the warnings of a creation that was relayed
// despite them, as "code field" pairs separated by commas. Meta's answer is
// otherwise unchanged.
const LintWarningsHeader = "X-Wabaguard-Lint-Warnings"

// lintTemplate lints a creation before it is relayed. Bad input gets
// Meta's invalid-parameter error naming the field; a block gets the
// catalogue's 470150 listing every finding; warnings travel in
// LintWarningsHeader. It returns the body to relay and whether to go on.
func (s *Server) lintTemplate(w http.ResponseWriter, r *http.Request, tenantID, waba string, body io.Reader) (io.Reader, bool) {
	if s.lint == nil || body == nil || !s.lint.Lints(tenantID) {
		return body, true
	}
	ctx := r.Context()
	raw, err := io.ReadAll(body) // limitedBody already holds it in memory
	if err != nil {
		writeError(w, wire.NewError(wire.CodeInvalidParameter, "The request body could not be read."))
		return nil, false
	}
	// Graph takes a creation as JSON, as a form, or in the query string
	// with no body; the lint reads all three.
	js := raw
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if len(bytes.TrimSpace(raw)) == 0 || mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(raw))
		if len(bytes.TrimSpace(raw)) == 0 {
			form, err = forwardQuery(r), nil
		}
		if err == nil {
			js, err = templatelint.FormBody(form)
		}
		if err != nil {
			s.metrics.TemplateLint.WithLabelValues("invalid").Inc()
			writeError(w, lintInputError(err))
			return nil, false
		}
	}
	report, err := s.lint.LintTemplate(ctx, tenantID, js)
	if err != nil {
		var fe *templatelint.FieldError
		if errors.As(err, &fe) {
			s.metrics.TemplateLint.WithLabelValues("invalid").Inc()
			writeError(w, fe.GraphError())
			return nil, false
		}
		s.log.ErrorContext(ctx, "gateway: template lint failed", "err", err, "waba", waba)
		writeError(w, errInternal())
		return nil, false
	}
	for _, f := range report.Findings {
		s.metrics.TemplateLintFindings.WithLabelValues(f.Code).Inc()
	}
	if report.Blocked() {
		s.metrics.TemplateLint.WithLabelValues("block").Inc()
		s.log.InfoContext(ctx, "gateway: template creation refused by lint", "tenant", tenantID, "waba", waba, "findings", lintCodes(report.Findings))
		writeError(w, report.Error(refusal.Header(r)))
		return nil, false
	}
	result := "clean"
	if warns := report.Warnings(); len(warns) > 0 {
		result = "warn"
		s.log.InfoContext(ctx, "gateway: template creation relayed with lint warnings", "tenant", tenantID, "waba", waba, "findings", lintCodes(warns))
		w.Header().Set(LintWarningsHeader, lintCodes(warns))
	}
	s.metrics.TemplateLint.WithLabelValues(result).Inc()
	return bytes.NewReader(raw), true
}

func lintInputError(err error) *wire.Error {
	var fe *templatelint.FieldError
	if errors.As(err, &fe) {
		return fe.GraphError()
	}
	return wire.NewError(wire.CodeInvalidParameter, "The form-encoded request body could not be parsed.")
}

// lintCodes lists findings as "code field, code field".
func lintCodes(fs []templatelint.Finding) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Code + " " + f.Field
	}
	return strings.Join(parts, ", ")
}
