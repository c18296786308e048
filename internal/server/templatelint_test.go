package server

import (
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/content"
)

// The template lint runs the content checker's patterns and structure on
// each text of a template with the tenant's actions: a scam blocks, a
// category the tenant turned off is not reported, and the classifier,
// trained on short messages, is left out.
func TestTemplateLintRunsContentChecks(t *testing.T) {
	const scam = `{"name":"liberar_credito","language":"pt_BR","category":"MARKETING","components":[
		{"type":"BODY","text":"Olá {{1}}, seu empréstimo foi aprovado! Para liberar o valor pague a taxa de liberação por PIX.",
		 "example":{"body_text":[["Ana"]]}}]}`
	const clean = `{"name":"pedido_enviado","language":"pt_BR","category":"UTILITY","components":[
		{"type":"BODY","text":"Olá {{1}}, seu pedido {{2}} saiu para entrega e chega hoje.","example":{"body_text":[["Ana","4412"]]}}]}`
	off, err := content.ParseActions(map[string]string{"scam": "off"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		actions content.Actions
		body    string
		blocked bool
		code    string // a finding's code that must be there ("" none from content)
	}{
		{"scam blocks", content.Actions{}, scam, true, "scam.pix"},
		{"the tenant turned scams off", off, scam, false, ""},
		{"a delivery notice is clean", content.Actions{}, clean, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := content.New(content.WithClassifier(builtinClassifier{}))
			lint := newTemplateLint(config.Default(), lintContent{k, func(string) content.Actions { return tc.actions }})
			rep, err := lint.LintTemplate(t.Context(), "acme", []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Blocked() != tc.blocked {
				t.Fatalf("blocked = %v, want %v: %+v", rep.Blocked(), tc.blocked, rep.Findings)
			}
			var codes []string
			for _, f := range rep.Findings {
				codes = append(codes, f.Code)
				if strings.Contains(f.Code, "classifier") {
					t.Errorf("a classifier finding reached the lint: %+v", f)
				}
			}
			if tc.code != "" && !strings.Contains(strings.Join(codes, " "), tc.code) {
				t.Errorf("findings %v lack %s", codes, tc.code)
			}
			if tc.code == "" && strings.Contains(strings.Join(codes, " "), "scam.") {
				t.Errorf("findings %v report a scam", codes)
			}
		})
	}
	if rep, err := OfflineTemplateLinter().Lint(t.Context(), "", []byte(scam)); err != nil || !rep.Blocked() {
		t.Errorf("the CLI's lint let the scam through: %+v %v", rep, err)
	}
}
