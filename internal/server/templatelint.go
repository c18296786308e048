package server

import (
	"context"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/content/classifier"
	"github.com/wabaguard/wabaguard/internal/refusal"
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

// lintContent adapts the content checker to the template lint: each text
// of a template is checked as a message's would be, with the tenant's
// actions — a category the tenant blocks blocks the template, one it warns
// of warns, one it turned off is not reported.
type lintContent struct {
	checker *content.Checker
	actions func(tenantID string) content.Actions
}

// CheckText implements templatelint.TextChecker.
func (l lintContent) CheckText(ctx context.Context, tenantID, text string) ([]templatelint.TextFinding, error) {
	if l.checker == nil {
		return nil, nil
	}
	res := l.checker.Check(ctx, tenantID, content.Message{Texts: []content.Text{{Field: "template", Value: text}}})
	if res.Err != nil {
		// Unreadable text (broken UTF-8, too long) cannot be sent: a block
		// naming why, not a failure of the lint.
		return []templatelint.TextFinding{{Rule: "content.unreadable", Block: true, Message: res.Err.Error()}}, nil
	}
	acts := l.actions(tenantID)
	var out []templatelint.TextFinding
	for _, f := range res.Findings {
		if f.Layer == content.LayerClassifier {
			// A model trained on short messages reads a template's
			// placeholders and Meta's own examples as phishing: a
			// template is judged by the patterns and its structure.
			continue
		}
		a := acts.For(f.Category)
		if a == content.Off {
			continue
		}
		msgs := map[refusal.Lang]string{}
		for _, lang := range refusal.Langs {
			msgs[lang] = f.Hint.In(lang)
		}
		out = append(out, templatelint.TextFinding{Rule: string(f.Category), Words: f.Words, Block: a == content.Block, Messages: msgs})
	}
	return out, nil
}

// OfflineTemplateLinter is the template lint `wabaguard check --template`
// runs without a configuration or a store: Meta's format and category
// rules, and the content checks with the default actions and the built-in
// classifier model — what the gateway applies to a tenant that changed
// nothing.
func OfflineTemplateLinter() *templatelint.Linter {
	k := content.New(content.WithClassifier(builtinClassifier{}))
	return &templatelint.Linter{Text: lintContent{k, func(string) content.Actions { return content.Actions{} }}}
}

// builtinClassifier serves the embedded model to every tenant.
type builtinClassifier struct{}

// Classify implements content.Classifier.
func (builtinClassifier) Classify(_ context.Context, _, text string) (content.Verdict, error) {
	return classifier.Builtin().Classify(text), nil
}
