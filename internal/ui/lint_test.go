package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	tmplcache "github.com/wabaguard/wabaguard/internal/template"
	"github.com/wabaguard/wabaguard/internal/templatelint"
)

// contentText judges a template's texts with the content checker's
// patterns, as the gateway's adapter does, blocking what it finds.
type contentText struct{ k *content.Checker }

func (c contentText) CheckText(ctx context.Context, tenantID, text string) ([]templatelint.TextFinding, error) {
	res := c.k.Check(ctx, tenantID, content.Message{Texts: []content.Text{{Field: "template", Value: text}}})
	var out []templatelint.TextFinding
	for _, f := range res.Findings {
		msgs := map[refusal.Lang]string{}
		for _, lang := range refusal.Langs {
			msgs[lang] = f.Hint.In(lang)
		}
		out = append(out, templatelint.TextFinding{Rule: string(f.Category), Words: f.Words, Block: true, Messages: msgs})
	}
	return out, nil
}

// TestTemplatesLint: the templates page reviews each stored template with
// the real lint — a UTILITY template with promotional wording is flagged
// with the words and the fix, a clean one says so, one whose components
// were never synced says that, and another tenant's templates are not
// reviewed here.
func TestTemplatesLint(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		st := c.Store.(store.Store)
		ctx := t.Context()
		now := time.Now().UTC()
		must(t, st.ReplaceTemplates(ctx, "w1", []store.Template{
			{WABAID: "w1", Name: "aviso_entrega", Language: "pt_BR", ID: "9101", Category: "UTILITY", Status: "APPROVED",
				ParameterFormat: "positional", Components: []byte(`[{"type":"BODY","text":"Seu pedido {{1}} saiu para entrega.","example":{"body_text":[["4411"]]}}]`)},
			{WABAID: "w1", Name: "aviso_promo", Language: "pt_BR", ID: "9102", Category: "UTILITY", Status: "APPROVED",
				ParameterFormat: "positional", Components: []byte(`[{"type":"BODY","text":"Aproveite a promoção: 50% de desconto só hoje no pedido {{1}}!","example":{"body_text":[["4411"]]}}]`)},
		}, now))
		if _, err := st.PatchTemplate(ctx, store.TemplatePatch{WABAID: "w1", Name: "so_webhook", Language: "pt_BR", ID: "9103",
			Status: "APPROVED", Category: "MARKETING", At: now, Insert: true}); err != nil {
			t.Fatal(err)
		}
		must(t, st.ReplaceTemplates(ctx, "w2", []store.Template{
			{WABAID: "w2", Name: "promo_globex", Language: "es", ID: "9201", Category: "UTILITY", Status: "APPROVED",
				ParameterFormat: "positional", Components: []byte(`[{"type":"BODY","text":"¡Aprovecha 50% de descuento hoy!"}]`)},
		}, now))
		cache := tmplcache.NewCache(st)
		must(t, cache.Load(ctx))
		c.Templates = cache
		l := &templatelint.Linter{Text: contentText{content.New()}}
		c.LintTemplate = func(ctx context.Context, tenantID string, body []byte) (templatelint.Report, error) {
			if tenantID != "t1" {
				t.Errorf("linted for tenant %q", tenantID)
			}
			return l.Lint(ctx, tenantID, body)
		}
	})
	b := e.browser()
	b.lang = "en"
	b.mustLogin("ana@acme.example")
	page := b.get("/ui/templates").body
	card := func(name string) string {
		i := strings.Index(page, "<code>"+name+"</code>")
		if i < 0 {
			t.Fatalf("the page lacks %s", name)
		}
		rest := page[i:]
		if j := strings.Index(rest[1:], `<li class="card">`); j >= 0 {
			rest = rest[:j+1]
		}
		return rest
	}
	if c := card("aviso_entrega"); !strings.Contains(c, "Nothing to fix") || strings.Contains(c, "findings") {
		t.Errorf("the clean UTILITY template is not reported clean:\n%s", c)
	}
	promo := card("aviso_promo")
	if !strings.Contains(promo, `class="findings"`) || !strings.Contains(promo, "How to fix") {
		t.Errorf("promotional wording in a UTILITY template is not flagged with a fix:\n%s", promo)
	}
	if !strings.Contains(promo, "data-code=\"promotional.utility") {
		t.Errorf("the finding does not name the category rule:\n%s", promo)
	}
	if c := card("so_webhook"); !strings.Contains(c, "have not been synced from Meta yet") {
		t.Errorf("a template known only from a webhook:\n%s", c)
	}
	if strings.Contains(page, "promo_globex") {
		t.Error("another tenant's template is on the page")
	}
}

// withLint reviews the templates with the real lint and content patterns.
func withLint(c *Config) {
	l := &templatelint.Linter{Text: contentText{content.New()}}
	c.LintTemplate = l.Lint
}
