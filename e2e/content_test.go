package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// The content checker through HTTP, as a client meets it: each of its
// refusals in each language, Graph-shaped and naming the rule and the
// words; the legitimate bank and delivery messages that use the same words
// going through; and a warning that sends the message and records the
// finding with its decision.
func TestContentRefusalsThroughHTTP(t *testing.T) {
	g := startGateway(t, "", "", func(c *config.Config) {
		// This tenant refuses shouting instead of being warned of it.
		c.Tenants[0].Content = map[string]string{"structure.caps": "block"}
	})
	text := func(to, body string) string {
		b, err := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "text", "text": map[string]string{"body": body}})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	template := func(to, param string) string {
		b, err := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "template", "template": map[string]any{
			"name": "ofertas_semana", "language": map[string]string{"code": "pt_BR"},
			"components": []any{map[string]any{"type": "body", "parameters": []any{map[string]string{"type": "text", "text": param}}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	send := func(t *testing.T, body string, lang refusal.Lang) (int, []byte) {
		t.Helper()
		return g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", body, map[string]string{"Accept-Language": string(lang)})
	}
	for i, lang := range refusal.Langs {
		t.Run(string(lang), func(t *testing.T) {
			to := fmt.Sprintf("+55 11 9877%d-10%02d", i, i)
			for _, tc := range []struct {
				name  string
				body  string
				code  refusal.Code
				words []string // in the details
				hint  map[refusal.Lang]string
			}{
				{"pix scam", text(to, "Seu empréstimo foi aprovado! Para liberar o valor pague a taxa de liberação por PIX."), refusal.ContentScam,
					[]string{"scam.pix", "taxa de liberação"}, nil},
				{"bank update by link", text(to, "Itaú: seu token expirou. Faça a atualização cadastral em https://itau-token.top/app"), refusal.ContentScam,
					[]string{"scam.bank_update", "atualização cadastral"}, nil},
				{"scam in a template parameter", template(to, "você foi sorteado! Para resgatar seu prêmio pague o frete em bit.ly/x9"), refusal.ContentScam,
					[]string{"scam.prize"}, nil},
				{"prohibited", text(to, "Vendo pistola e munição, entrega rápida"), refusal.ContentProhibited,
					[]string{"prohibited.weapons", "pistola"}, nil},
				{"restricted", text(to, "Sexta tem balde de cerveja com 20% de desconto"), refusal.ContentRestricted,
					[]string{"restricted.alcohol", "cerveja"}, nil},
				{"structure the tenant blocks", text(to, "ATENÇÃO CLIENTE: SUA OFERTA EXCLUSIVA CHEGOU, CONFIRA AGORA MESMO"), refusal.ContentStructure,
					[]string{"structure.caps", "capitals"}, nil},
				{"hate", text(to, "Esses imigrantes são uma praga, voltem para sua terra"), refusal.ContentProhibited,
					[]string{"prohibited.hate", "são uma praga"}, nil},
				{"abusive collection", text(to, "Sua dívida venceu. Se não pagar hoje vamos ligar para seu chefe."), refusal.ContentProhibited,
					[]string{"prohibited.debt_collection", "vamos ligar para", "seu chefe"},
					// The hint on how to fix it, in the request's language.
					map[refusal.Lang]string{refusal.PT: "cobrança abusiva", refusal.EN: "abusive collection", refusal.ES: "cobranza abusiva"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, raw := send(t, tc.body, lang)
					var gr graphRefusal
					if err := json.Unmarshal(raw, &gr); err != nil {
						t.Fatalf("refusal is not Graph-shaped JSON: %d %s", status, raw)
					}
					e := refusal.Must(tc.code)
					if status != e.HTTPStatus || gr.Error.Code != int(tc.code) || gr.Error.Type != "OAuthException" {
						t.Fatalf("got %d code %d, want %d code %d: %s", status, gr.Error.Code, e.HTTPStatus, tc.code, raw)
					}
					if want := fmt.Sprintf("(#%d) %s", tc.code, e.In(lang).Title); gr.Error.Message != want {
						t.Errorf("message %q, want %q", gr.Error.Message, want)
					}
					d := gr.Error.ErrorData.Details
					if !strings.Contains(d, e.In(lang).Explanation) || !strings.Contains(d, e.Link()) {
						t.Errorf("details lack the %s explanation or the link: %q", lang, d)
					}
					for _, w := range tc.words {
						if !strings.Contains(d, w) {
							t.Errorf("details lack %q: %q", w, d)
						}
					}
					for l, h := range tc.hint {
						if got := strings.Contains(d, h); got != (l == lang) {
							t.Errorf("details in %s hold the %s hint %q: %v: %q", lang, l, h, got, d)
						}
					}
				})
			}
		})
	}

	// Hard negatives: the bank's, the shop's and the carrier's real
	// messages, with the words scams use.
	for _, body := range []string{
		"Seu boleto de dezembro vence dia 10, código de barras no app.",
		"Seu pedido saiu para entrega e chega hoje até as 18h.",
		"Seu código de verificação é 482913. Não compartilhe este código com ninguém.",
		"Para sua segurança: nunca pedimos que atualize seus dados por link. Em caso de dúvida, acesse o app.",
		"Identificamos um débito em aberto de R$ 150,00 vencido em 05/11. Regularize pelo app e evite a inclusão do seu CPF no SPC e na Serasa.",
	} {
		if status, raw := send(t, text("+55 11 98770-2000", body), refusal.PT); status != http.StatusOK {
			t.Errorf("%q refused: %d %s", body, status, raw)
		}
	}

	// A warning: the message is accepted and queued, and its decision
	// records the finding.
	status, raw := send(t, text("+55 11 98770-3000", "Acompanhe seu pedido em https://bit.ly/3xYz"), refusal.PT)
	if status != http.StatusOK {
		t.Fatalf("warned message refused: %d %s", status, raw)
	}
	var ok wire.SendResponse
	if err := json.Unmarshal(raw, &ok); err != nil || len(ok.Messages) != 1 {
		t.Fatalf("answer %s: %v", raw, err)
	}
	ds, err := g.srv.Store().ListDecisions(t.Context(), store.DecisionFilter{MessageID: ok.Messages[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	// The classifier may warn of the same message too (a link in a short
	// text reads like spam to it): the shortener must be among the findings.
	if len(ds) != 1 || ds[0].Outcome != store.OutcomeWarn || !strings.HasPrefix(ds[0].Code, "content.") ||
		!strings.Contains(ds[0].Reason, "structure.shortener: bit.ly") {
		t.Fatalf("decisions %+v, want one warn naming the shortener", ds)
	}
}

// The statistical layer through HTTP: the built-in model serves the
// tenant, and a tenant that refuses on its smishing verdict gets 470144
// naming the model; its spam verdict stays a warning, recorded.
func TestContentClassifierThroughHTTP(t *testing.T) {
	g := startGateway(t, "", "", func(c *config.Config) {
		c.Tenants[0].Content = map[string]string{"classifier.smishing": "block"}
	})
	body := `{"messaging_product":"whatsapp","to":"+55 11 98770-4000","type":"text","text":{"body":"Dear customer your bank account will be suspended, call 0800 123 to reactivate"}}`
	status, raw := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", body, map[string]string{"Accept-Language": "en"})
	var gr graphRefusal
	if err := json.Unmarshal(raw, &gr); err != nil {
		t.Fatalf("refusal is not Graph-shaped JSON: %d %s", status, raw)
	}
	e := refusal.Must(refusal.ContentClassifier)
	if status != e.HTTPStatus || gr.Error.Code != int(refusal.ContentClassifier) {
		t.Fatalf("got %d code %d, want %d code %d: %s", status, gr.Error.Code, e.HTTPStatus, refusal.ContentClassifier, raw)
	}
	for _, w := range []string{"classifier.smishing", "builtin-", e.In(refusal.EN).Explanation} {
		if !strings.Contains(gr.Error.ErrorData.Details, w) {
			t.Errorf("details lack %q: %q", w, gr.Error.ErrorData.Details)
		}
	}
}
