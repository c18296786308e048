package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/templatelint"
)

// The words of the templates page's lint, merged into messages at start.
func init() {
	for k, v := range lintMessages {
		if _, dup := messages[k]; dup {
			panic("ui: message " + k + " is defined twice")
		}
		messages[k] = v
	}
}

var lintMessages = map[string]map[refusal.Lang]string{
	"lint.title": {refusal.PT: "Revisão do template", refusal.EN: "Template review", refusal.ES: "Revisión de la plantilla"},
	"lint.clean": {refusal.PT: "Nada a corrigir: formato, categoria e conteúdo passam nas regras da Meta e nas suas.",
		refusal.EN: "Nothing to fix: format, category and content pass Meta's rules and yours.",
		refusal.ES: "Nada que corregir: formato, categoría y contenido cumplen las reglas de Meta y las suyas."},
	"lint.unknown": {refusal.PT: "Os componentes deste template ainda não foram sincronizados com a Meta; a revisão aparece após a próxima sincronização.",
		refusal.EN: "This template's components have not been synced from Meta yet; the review appears after the next sync.",
		refusal.ES: "Los componentes de esta plantilla aún no se sincronizaron con Meta; la revisión aparece tras la próxima sincronización."},
	"lint.block":  {refusal.PT: "bloqueia", refusal.EN: "blocks", refusal.ES: "bloquea"},
	"lint.warn":   {refusal.PT: "aviso", refusal.EN: "warning", refusal.ES: "aviso"},
	"lint.fix":    {refusal.PT: "Como corrigir", refusal.EN: "How to fix", refusal.ES: "Cómo corregir"},
	"lint.words":  {refusal.PT: "Palavras", refusal.EN: "Words", refusal.ES: "Palabras"},
	"lint.failed": {refusal.PT: "Não foi possível revisar este template: %s", refusal.EN: "This template could not be reviewed: %s", refusal.ES: "No se pudo revisar esta plantilla: %s"},
}

// TemplateLinter lints a template as its creation would be linted (Meta's
// format and category rules and the content checks, with the tenant's
// actions); internal/server wires the gateway's own.
type TemplateLinter func(ctx context.Context, tenantID string, body []byte) (templatelint.Report, error)

// lintView is one template's review on the templates page.
type lintView struct {
	// Known is false while the template's components are not synced.
	Known    bool
	Error    string
	Findings []lintFinding
}

type lintFinding struct {
	templatelint.Localized
	Severity string
	Block    bool
}

// creationBody is the template as its creation request would carry it,
// rebuilt from the stored record.
func creationBody(t store.Template) ([]byte, error) {
	body := map[string]any{"name": t.Name, "language": t.Language, "category": t.Category,
		"components": json.RawMessage(t.Components)}
	if t.ParameterFormat != "" {
		body["parameter_format"] = t.ParameterFormat
	}
	return json.Marshal(body)
}

// lintTemplates reviews the stored templates of a WABA, keyed by name and
// language (nil when the dashboard has no linter).
func (s *Server) lintTemplates(r *http.Request, tenantID, wabaID string) (map[[2]string]*lintView, error) {
	if s.lint == nil {
		return nil, nil
	}
	ts, err := s.store.ListTemplates(r.Context(), wabaID)
	if err != nil {
		return nil, err
	}
	lang := language(r)
	out := make(map[[2]string]*lintView, len(ts))
	for _, t := range ts {
		if t.WABAID != wabaID {
			continue
		}
		v := &lintView{}
		out[[2]string{t.Name, t.Language}] = v
		if len(t.Components) == 0 {
			continue
		}
		v.Known = true
		body, err := creationBody(t)
		if err != nil {
			v.Error = fmt.Sprintf(msg(lang, "lint.failed"), err)
			continue
		}
		rep, err := s.lint(r.Context(), tenantID, body)
		if err != nil {
			// A stored template the linter cannot read is itself worth
			// showing: say why rather than fail the page.
			v.Error = fmt.Sprintf(msg(lang, "lint.failed"), err)
			continue
		}
		for _, f := range rep.Findings {
			lf := lintFinding{Localized: f.Localize(lang), Block: f.Severity == templatelint.Block}
			lf.Severity = msg(lang, "lint."+string(f.Severity))
			v.Findings = append(v.Findings, lf)
		}
	}
	return out, nil
}
