package content

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// fakeClassifier answers a fixed verdict per tenant, or an error.
type fakeClassifier struct {
	verdicts map[string]Verdict
	err      error
	texts    []string
}

func (f *fakeClassifier) Classify(_ context.Context, tenantID, text string) (Verdict, error) {
	f.texts = append(f.texts, text)
	if f.err != nil {
		return Verdict{}, f.err
	}
	return f.verdicts[tenantID], nil
}

func TestClassifierLayer(t *testing.T) {
	fc := &fakeClassifier{verdicts: map[string]Verdict{
		"smish":     {Label: "smishing", Score: 0.97, Words: []string{"acesse", "bloqueio", "conta", "urgente", "link", "agora"}, Model: "builtin-2026-11-30"},
		"unsure":    {Label: "smishing", Score: 0.6, Model: "builtin-2026-11-30"},
		"spam":      {Label: "spam", Score: 0.92, Words: []string{"grátis"}, Model: "spam-v2"},
		"lowspam":   {Label: "spam", Score: 0.85, Model: "spam-v2"},
		"ham":       {Label: "ham", Score: 0.99, Model: "builtin-2026-11-30"},
		"lowsmish2": {Label: "smishing", Score: 0.75, Model: "m"},
	}}
	k := New(WithClassifier(fc))
	for _, tc := range []struct {
		tenant string
		want   Category // "" for no classifier finding
	}{
		{"smish", ClassifierSmishing}, {"unsure", ""}, {"spam", ClassifierSpam}, {"lowspam", ""}, {"ham", ""},
	} {
		t.Run(tc.tenant, func(t *testing.T) {
			res := k.Check(t.Context(), tc.tenant, body("Olá, tudo bem?"))
			var got []Finding
			for _, f := range res.Findings {
				if f.Layer == LayerClassifier {
					got = append(got, f)
				}
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("findings %+v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].Category != tc.want {
				t.Fatalf("findings %+v, want one %s", got, tc.want)
			}
			v := fc.verdicts[tc.tenant]
			if got[0].Score != v.Score || got[0].Model != v.Model || len(got[0].Words) > 5 || got[0].Words[0] != v.Words[0] {
				t.Errorf("finding %+v does not carry the verdict %+v", got[0], v)
			}
		})
	}
	// Thresholds are configuration.
	res := New(WithClassifier(fc), WithThresholds(Thresholds{Smishing: 0.7})).Check(t.Context(), "lowsmish2", body("Olá"))
	if !slices.ContainsFunc(res.Findings, func(f Finding) bool { return f.Category == ClassifierSmishing }) {
		t.Errorf("a 0.75 smishing verdict passes a 0.7 threshold: %+v", res.Findings)
	}
	// A failing classifier is reported and the other layers still decide.
	bad := New(WithClassifier(&fakeClassifier{err: errors.New("model not loaded")}))
	res = bad.Check(t.Context(), "t", body("Vendo pistola e munição"))
	if res.ClassifierErr == nil || !slices.ContainsFunc(res.Findings, func(f Finding) bool { return f.Category == ProhibitedWeapons }) {
		t.Errorf("result %+v, want the classifier's error and the weapons finding", res)
	}
}

func TestActions(t *testing.T) {
	def := Actions{}
	for c, want := range map[Category]Action{
		ScamPIX: Block, ScamUrgency: Warn, ProhibitedDrugs: Block, RestrictedAlcohol: Block,
		StructureCaps: Warn, ClassifierSpam: Off, ClassifierSmishing: Warn,
	} {
		if got := def.For(c); got != want {
			t.Errorf("default for %s: %s, want %s", c, got, want)
		}
	}
	a, err := ParseActions(
		map[string]string{"structure": "off", "restricted.alcohol": "warn"},
		map[string]string{"structure.shortener": "block", "restricted": "off"},
	)
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range map[Category]Action{
		StructureCaps: Off, StructureShortener: Block, RestrictedAlcohol: Warn, RestrictedGambling: Off, ScamPIX: Block,
	} {
		if got := a.For(c); got != want {
			t.Errorf("%s: %s, want %s", c, got, want)
		}
	}
	_, err = ParseActions(map[string]string{"scam.nope": "block", "structure.caps": "maybe"})
	if err == nil || !strings.Contains(err.Error(), `"scam.nope"`) || !strings.Contains(err.Error(), `"maybe"`) {
		t.Errorf("error %v, want both bad entries named", err)
	}
}

func TestFromRequest(t *testing.T) {
	req, werr := wire.ParseSendRequest([]byte(`{"messaging_product":"whatsapp","to":"5511999990000","type":"interactive",
		"interactive":{"type":"list","header":{"type":"text","text":"Cabeçalho"},"body":{"text":"Corpo"},"footer":{"text":"Rodapé"},
		"action":{"button":"Opções","sections":[{"title":"Seção","rows":[{"id":"1","title":"Linha","description":"Descrição"}]}]}}}`))
	if werr != nil {
		t.Fatal(werr)
	}
	got := FromRequest(req, "")
	var fields []string
	for _, tx := range got.Texts {
		fields = append(fields, tx.Field+"="+tx.Value)
	}
	want := []string{"interactive.header.text=Cabeçalho", "interactive.body.text=Corpo", "interactive.footer.text=Rodapé",
		"interactive.action.button=Opções", "interactive.action.sections[0].title=Seção",
		"interactive.action.sections[0].rows[0].title=Linha", "interactive.action.sections[0].rows[0].description=Descrição"}
	if !slices.Equal(fields, want) {
		t.Errorf("texts %q, want %q", fields, want)
	}

	cta := &wire.SendRequest{Type: "interactive", Interactive: &wire.Interactive{Type: "cta_url", Body: &wire.InteractiveText{Text: "Sua fatura"},
		Action: &wire.InteractiveAction{Name: "cta_url", Parameters: []byte(`{"display_text":"Ver fatura","url":"https://acme.com.br/f"}`)}}}
	if m := FromRequest(cta, ""); len(m.Links) != 1 || m.Links[0].URL != "https://acme.com.br/f" || m.Links[0].Shown != "Ver fatura" {
		t.Errorf("cta_url links %+v", m.Links)
	}

	img := &wire.SendRequest{Type: "image", Image: &wire.Media{Link: "https://x/y.jpg", Caption: "Legenda"}}
	if m := FromRequest(img, ""); len(m.Texts) != 1 || m.Texts[0].Field != "image.caption" {
		t.Errorf("image texts %+v", m.Texts)
	}

	tpl := &wire.SendRequest{Type: "template", Template: &wire.Template{Name: "cobranca", Components: []wire.TemplateComponent{
		{Type: "header", Parameters: []wire.TemplateParameter{{Type: "text", Text: "Dezembro"}}},
		{Type: "body", Parameters: []wire.TemplateParameter{{Type: "text", Text: "Ana"}, {Type: "currency", Currency: &wire.Currency{FallbackValue: "R$ 120,00", Code: "BRL"}}}},
	}}}
	m := FromRequest(tpl, "Olá {{1}}, sua fatura de {{2}} vence dia 10.")
	fields = nil
	for _, tx := range m.Texts {
		fields = append(fields, tx.Field+"="+tx.Value)
	}
	want = []string{"template.components[0].parameters[0]=Dezembro", "template.body=Olá Ana, sua fatura de R$ 120,00 vence dia 10."}
	if !slices.Equal(fields, want) {
		t.Errorf("template texts %q, want %q", fields, want)
	}
	// Without the body text, the parameters alone are checked.
	if m := FromRequest(tpl, ""); len(m.Texts) != 3 {
		t.Errorf("template texts without body %+v", m.Texts)
	}
}

func TestFillTemplate(t *testing.T) {
	for _, tc := range []struct {
		body   string
		params []wire.TemplateParameter
		want   string
	}{
		{"Olá {{1}}, pedido {{2}}", []wire.TemplateParameter{{Text: "Ana"}, {Text: "123"}}, "Olá Ana, pedido 123"},
		{"Olá {{nome}}!", []wire.TemplateParameter{{ParameterName: "nome", Text: "Ana"}}, "Olá Ana!"},
		{"Olá {{ 1 }} e {{3}}", []wire.TemplateParameter{{Text: "Ana"}}, "Olá Ana e {{3}}"},
		{"Data: {{1}}", []wire.TemplateParameter{{DateTime: &wire.DateTime{FallbackValue: "10/12"}}}, "Data: 10/12"},
	} {
		if got := FillTemplate(tc.body, tc.params); got != tc.want {
			t.Errorf("FillTemplate(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// A scam split between a template's body and its parameter is found once
// the body is filled in.
func TestTemplateBodyFilled(t *testing.T) {
	tpl := &wire.SendRequest{Type: "template", Template: &wire.Template{Name: "aviso", Components: []wire.TemplateComponent{
		{Type: "body", Parameters: []wire.TemplateParameter{{Text: "atualize seus dados em"}, {Text: "https://bit.ly/x"}}},
	}}}
	res := New().Check(t.Context(), "t", FromRequest(tpl, "Prezado cliente, {{1}} {{2}} para evitar o bloqueio."))
	if !slices.ContainsFunc(res.Findings, func(f Finding) bool { return f.Category == ScamBankUpdate }) {
		t.Errorf("findings %+v, want scam.bank_update", res.Findings)
	}
}

// typical300 is a typical 300-character marketing message.
const typical300 = "Olá, Ana! Sua fatura de dezembro da Acme Telecom no valor de R$ 129,90 já está disponível. " +
	"O vencimento é dia 10/12. Você pode pagar pelo app, por Pix ou com o código de barras. " +
	"Aproveite: neste mês, clientes em dia ganham 20% de desconto no plano família. Dúvidas? Responda aqui 🙂"

// BenchmarkCheck300 measures the checker without the classifier on a
// typical 300-character message, and reports the 99th percentile of the
// per-call times it measured.
func BenchmarkCheck300(b *testing.B) {
	k := New()
	m := body(typical300)
	ctx := context.Background()
	times := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		res := k.Check(ctx, "t", m)
		times = append(times, time.Since(start))
		if res.Err != nil {
			b.Fatal(res.Err)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	if len(times) > 0 {
		b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
	}
}
