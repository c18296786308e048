package server

import (
	"context"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/templatelint"
)

// templateLint is the gateway's template linter with each tenant's
// policy.template_lint switch: a tenant whose lint is off has its
// creations relayed as they come (Meta still reviews them).
type templateLint struct {
	linter *templatelint.Linter
	off    map[string]bool
}

func newTemplateLint(cfg config.Config, text templatelint.TextChecker) *templateLint {
	l := &templateLint{linter: &templatelint.Linter{Text: text}, off: map[string]bool{}}
	for _, t := range cfg.Tenants {
		l.off[t.ID] = !config.Enforces(cfg.PolicyFor(t.ID).TemplateLint)
	}
	// Tenants absent from the file (made with `wabaguard keys`) follow the
	// global setting.
	l.off[""] = !config.Enforces(cfg.Policy.TemplateLint)
	return l
}

// Lints reports whether the tenant's lint is on.
func (l *templateLint) Lints(tenantID string) bool {
	if off, ok := l.off[tenantID]; ok {
		return !off
	}
	return !l.off[""]
}

// LintTemplate lints body; a tenant whose lint is off gets an empty report.
func (l *templateLint) LintTemplate(ctx context.Context, tenantID string, body []byte) (templatelint.Report, error) {
	if !l.Lints(tenantID) {
		return templatelint.Report{}, nil
	}
	return l.linter.Lint(ctx, tenantID, body)
}
