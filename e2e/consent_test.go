package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/sim"
)

// graphRefusal is the part of a Graph error a client reads.
type graphRefusal struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// The consent gate through HTTP, as a client meets it: each refusal of the
// catalogue that the consent rules make, in each language, with the Graph
// error the client gets; and the ways out of each (an opt-in on record, the
// person writing first). Opt-outs arrive the way they do in production: the
// person writes PARAR to the business number and the signed webhook is
// processed; erasure goes through the ledger.
func TestConsentRefusalsThroughHTTP(t *testing.T) {
	g := startGateway(t, "", "", func(c *config.Config) { c.Policy = allButCadence })
	ctx := context.Background()
	ledger := g.srv.Ledger()
	// The template cache lists the WABA at start; until then a template
	// is Meta's to judge.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := g.srv.Templates().Synced(testWABAID); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the template cache did not sync within 10 s")
		}
	}
	// The simulator's seeded templates: ofertas_semana (MARKETING, one
	// body parameter) and hello_world (UTILITY, none).
	template := func(to string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"ofertas_semana","language":{"code":"pt_BR"},` +
			`"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"}]}]}}`
	}
	utility := func(to string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	}
	unknownTemplate := func(to string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"nao_existe","language":{"code":"pt_BR"}}}`
	}
	wrongParams := func(to string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"ofertas_semana","language":{"code":"pt_BR"}}}`
	}
	text := func(to string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"text","text":{"body":"Olá!"}}`
	}
	send := func(t *testing.T, body string, lang refusal.Lang) (int, graphRefusal) {
		t.Helper()
		status, raw := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", body, map[string]string{"Accept-Language": string(lang)})
		var gr graphRefusal
		if status != http.StatusOK {
			if err := json.Unmarshal(raw, &gr); err != nil {
				t.Fatalf("refusal is not Graph-shaped JSON: %d %s", status, raw)
			}
		}
		return status, gr
	}
	expectRefusal := func(t *testing.T, body string, lang refusal.Lang, code refusal.Code) {
		t.Helper()
		status, gr := send(t, body, lang)
		e := refusal.Must(code)
		if status != e.HTTPStatus || gr.Error.Code != int(code) || gr.Error.Type != "OAuthException" {
			t.Fatalf("got %d code %d, want %d code %d", status, gr.Error.Code, e.HTTPStatus, code)
		}
		if want := fmt.Sprintf("(#%d) %s", code, e.In(lang).Title); gr.Error.Message != want {
			t.Errorf("message %q, want %q", gr.Error.Message, want)
		}
		d := gr.Error.ErrorData.Details
		if !strings.Contains(d, e.In(lang).Explanation) || !strings.Contains(d, e.Link()) {
			t.Errorf("details lack the %s explanation or the link: %q", lang, d)
		}
		if e.Meta != 0 && !strings.Contains(d, fmt.Sprint(e.Meta)) {
			t.Errorf("details lack Meta's equivalent %d: %q", e.Meta, d)
		}
	}
	expectOK := func(t *testing.T, body string) {
		t.Helper()
		if status, gr := send(t, body, refusal.PT); status != http.StatusOK {
			t.Fatalf("refused: %d %+v", status, gr.Error)
		}
	}
	// eventually retries a send until it is accepted: webhooks are
	// processed asynchronously, within a bounded time.
	eventually := func(t *testing.T, body string, want int) {
		t.Helper()
		var last int
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if last, _ = send(t, body, refusal.PT); last == want {
				return
			}
		}
		t.Fatalf("send answered %d for 10 s, want %d", last, want)
	}
	say := func(t *testing.T, from, words string) {
		t.Helper()
		if _, err := g.srv.Simulator().Say(sim.SayRequest{From: from, ToPhoneNumberID: testPhoneNumberID, Text: words}); err != nil {
			t.Fatal(err)
		}
	}
	optIn := func(t *testing.T, number string, cat consent.Category) {
		t.Helper()
		_, err := ledger.Record(ctx, consent.Request{
			TenantID: "acme", Contact: number, Action: consent.OptIn, Category: cat, Source: consent.WebForm,
			Evidence: consent.Evidence{Text: "Quero receber ofertas pelo WhatsApp", URL: "https://acme.example/cadastro", At: time.Now().Add(-time.Minute)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	for i, lang := range refusal.Langs {
		t.Run(string(lang), func(t *testing.T) {
			// A different person per language, so each starts clean.
			number := fmt.Sprintf("+55 11 9876%d-43%02d", i, i)
			digits := fmt.Sprintf("55119876%d43%02d", i, i)

			// No opt-in: a template is refused at once, nothing queued.
			expectRefusal(t, template(number), lang, refusal.NoConsent)
			// Never wrote: a free-form reply is refused (Meta: 131047).
			expectRefusal(t, text(number), lang, refusal.WindowClosed)

			// The local template cache knows what Meta would refuse.
			expectRefusal(t, unknownTemplate(number), lang, refusal.TemplateUnknown)
			expectRefusal(t, wrongParams(number), lang, refusal.TemplateParams)

			// The template's category decides the consent it needs: a
			// utility opt-in covers the utility template only.
			optIn(t, number, consent.Utility)
			expectOK(t, utility(number))
			expectRefusal(t, template(number), lang, refusal.NoConsent)
			optIn(t, number, consent.Marketing)
			expectOK(t, template(number))

			// The person writes: the window opens for replies.
			say(t, digits, "Oi, qual o horário de vocês?")
			eventually(t, text(number), http.StatusOK)

			// The person says stop: recorded from the webhook, refused
			// from then on, templates and replies to the STOP alike.
			say(t, digits, "PARAR")
			eventually(t, template(number), refusal.Must(refusal.OptedOut).HTTPStatus)
			expectRefusal(t, template(number), lang, refusal.OptedOut)
			expectRefusal(t, text(number), lang, refusal.OptedOut)
			st, err := ledger.State(ctx, "acme", number, consent.Marketing)
			if err != nil || st.Action != consent.OptOut || st.Source != consent.WhatsAppKeyword {
				t.Fatalf("ledger after PARAR: %+v %v", st, err)
			}

			// Writing again reopens the conversation for replies, not for
			// templates. Meta times messages in whole seconds, so "after
			// the opt-out" needs a message in a later second than the one
			// the opt-out was recorded in.
			time.Sleep(1100 * time.Millisecond)
			say(t, digits, "Na verdade, preciso de ajuda com meu pedido")
			eventually(t, text(number), http.StatusOK)
			expectRefusal(t, template(number), lang, refusal.OptedOut)

			// Erased (LGPD): nothing at all, even inside the window.
			if _, err := ledger.Erase(ctx, "acme", number); err != nil {
				t.Fatal(err)
			}
			expectRefusal(t, text(number), lang, refusal.Erased)
			expectRefusal(t, template(number), lang, refusal.Erased)
		})
	}
}

// A tenant that asks for it confirms an opt-out once, in the person's
// language, inside the window their message opened; nothing else goes to
// them afterwards, and a redelivered STOP does not confirm twice.
func TestOptOutConfirmation(t *testing.T) {
	g := startGateway(t, "", "", func(c *config.Config) {
		c.Policy = allButCadence
		c.Tenants[0].OptOut = &config.OptOut{Confirm: true}
	})
	s := g.srv.Simulator()
	texts := func(to string) []string {
		var out []string
		for _, r := range s.Sent() {
			if r.WaID == to && r.Type == "text" {
				out = append(out, r.Body)
			}
		}
		return out
	}
	for _, tc := range []struct{ from, words, want string }{
		{"5511987650101", "PARAR", "Pronto: você não vai mais receber mensagens"},
		{"5491123456701", "BAJA", "Listo: ya no recibirás mensajes"},
		{"5511987650102", "STOP", "Done: you will not get any more messages"},
	} {
		if _, err := s.Say(sim.SayRequest{From: tc.from, ToPhoneNumberID: testPhoneNumberID, Text: tc.words}); err != nil {
			t.Fatal(err)
		}
		var got []string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if got = texts(tc.from); len(got) > 0 {
				break
			}
		}
		if len(got) != 1 || !strings.HasPrefix(got[0], tc.want) {
			t.Fatalf("%s said %s: confirmations %q, want one starting %q", tc.from, tc.words, got, tc.want)
		}
		// Saying it again is not a new opt-out: no second confirmation.
		if _, err := s.Say(sim.SayRequest{From: tc.from, ToPhoneNumberID: testPhoneNumberID, Text: tc.words}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	for _, from := range []string{"5511987650101", "5491123456701", "5511987650102"} {
		if n := len(texts(from)); n != 1 {
			t.Fatalf("%s got %d confirmations", from, n)
		}
	}
	// And a reply of the business's is refused: the one reply was the
	// confirmation.
	status, raw := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages",
		`{"messaging_product":"whatsapp","to":"+5511987650101","type":"text","text":{"body":"Tem certeza?"}}`, nil)
	var gr graphRefusal
	_ = json.Unmarshal(raw, &gr)
	if status != http.StatusForbidden || gr.Error.Code != int(refusal.OptedOut) {
		t.Fatalf("reply after the confirmation: %d %s", status, raw)
	}
}

// Double opt-in: an opt-in from a web form does not count for marketing
// until the person answers the confirmation template on WhatsApp; their
// "SIM", quoting it, is recorded as the confirmed opt-in.
func TestDoubleOptIn(t *testing.T) {
	g := startGateway(t, "", "", func(c *config.Config) {
		c.Policy = allButCadence
		c.Tenants[0].DoubleOptIn = &config.DoubleOptIn{Template: "hello_world", Language: "en_US", PhoneNumberID: testPhoneNumberID}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, ok := g.srv.Templates().Synced(testWABAID); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the template cache did not sync within 10 s")
		}
	}
	s := g.srv.Simulator()
	const number, waid = "+5511987650201", "5511987650201"
	offer := `{"messaging_product":"whatsapp","to":"` + number + `","type":"template","template":{"name":"ofertas_semana","language":{"code":"pt_BR"},` +
		`"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"}]}]}}`
	if _, err := g.srv.Ledger().Record(context.Background(), consent.Request{TenantID: "acme", Contact: number, Action: consent.OptIn,
		Category: consent.Marketing, Source: consent.WebForm,
		Evidence: consent.Evidence{Text: "Quero receber ofertas", URL: "https://acme.example/f", At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	// The confirmation request goes out...
	var request string
	for deadline := time.Now().Add(10 * time.Second); request == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, r := range s.Sent() {
			if r.WaID == waid && r.Type == "template" && r.Body == "hello_world" {
				request = r.MessageID
			}
		}
	}
	if request == "" {
		t.Fatal("no confirmation template reached the person")
	}
	// ...and until it is answered, marketing is refused.
	status, raw := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", offer, nil)
	var gr graphRefusal
	_ = json.Unmarshal(raw, &gr)
	if status != http.StatusForbidden || gr.Error.Code != int(refusal.Unconfirmed) {
		t.Fatalf("before the answer: %d %s", status, raw)
	}
	// The person answers SIM, quoting the request.
	if _, err := s.Say(sim.SayRequest{From: waid, ToPhoneNumberID: testPhoneNumberID, Text: "Sim", ReplyTo: request}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if status, raw = g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", offer, nil); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after SIM: %d %s", status, raw)
		}
	}
	st, err := g.srv.Ledger().State(context.Background(), "acme", number, consent.Marketing)
	if err != nil || st.Action != consent.OptIn || st.Source != consent.WhatsAppKeyword {
		t.Fatalf("ledger after SIM: %+v %v", st, err)
	}
}
