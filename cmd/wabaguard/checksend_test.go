package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

// check --send decides as a send would, from the store, and writes nothing.
func TestCheckSend(t *testing.T) {
	cfgPath, cfg := keysEnv(t)
	st, err := server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(t.Context(), store.Sender{PhoneNumberID: "109000000000001", TenantID: "acme", WABAID: "209000000000001", ThroughputMPS: 80}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	tmpl := `{"messaging_product":"whatsapp","to":"+55 11 98765-4321","type":"template","template":{"name":"promo","language":{"code":"pt_BR"}}}`
	check := func(args ...string) (string, int) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"check", "--send", "--config", cfgPath}, args...), &out, &errb)
		var es exitStatus
		switch {
		case err == nil:
			return out.String(), 0
		case errors.As(err, &es):
			return out.String() + errb.String(), int(es)
		}
		t.Fatalf("check: %v\n%s", err, errb.String())
		return "", -1
	}

	out, code := check("--tenant", "acme", "--sender", "109000000000001", "--lang", "en", tmpl)
	if code != exitRefused || !strings.Contains(out, "consent.missing") || !strings.Contains(out, "(#470110) No consent on record") {
		t.Fatalf("without consent: exit %d\n%s", code, out)
	}
	if _, err := consentCmd(t, "record", "--config", cfgPath, "--tenant", "acme", "--contact", "+5511987654321", "--action", "opt_in",
		"--category", "marketing", "--source", "web_form", "--text", "Quero ofertas", "--url", "https://acme.example/f",
		"--at", time.Now().Add(-time.Hour).Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	out, code = check("--tenant", "acme", "--sender", "109000000000001", "--json", tmpl)
	var res struct {
		Outcome string
		WaID    string `json:"wa_id"`
	}
	// Allowed, or deferred by the default quiet hours when the suite runs
	// at night in São Paulo: either way accepted, exit 0.
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || (res.Outcome != "allow" && res.Outcome != "defer") || res.WaID != "5511987654321" {
		t.Fatalf("with consent: exit %d %+v %v\n%s", code, res, err, out)
	}
	if _, code := check("--tenant", "globex", "--sender", "109000000000001", tmpl); code != exitRefused {
		t.Fatalf("another tenant's sender: exit %d", code)
	}
	if _, code := check("--tenant", "acme", tmpl); code != exitUsage {
		t.Fatalf("without --sender: exit %d", code)
	}
	// Nothing was queued by any of it.
	st, err = server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if d, _ := st.QueueDepth(t.Context()); d["109000000000001"] != 0 {
		t.Fatalf("check queued %d messages", d["109000000000001"])
	}
}

// check --send shows what the content checker found, with each finding's
// action, whether it refuses the message or only warns.
func TestCheckSendContent(t *testing.T) {
	cfgPath, cfg := keysEnv(t)
	st, err := server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(t.Context(), store.Sender{PhoneNumberID: "109000000000001", TenantID: "acme", WABAID: "209000000000001", ThroughputMPS: 80}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Free-form texts with the window rule off: only content decides.
	b, err := json.Marshal(map[string]any{"data_dir": cfg.DataDir, "policy": map[string]string{"window": "off"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	text := func(body string) string {
		return `{"messaging_product":"whatsapp","to":"+55 11 98765-4321","type":"text","text":{"body":"` + body + `"}}`
	}
	check := func(args ...string) (string, int) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"check", "--send", "--config", cfgPath, "--tenant", "acme",
			"--sender", "109000000000001"}, args...), &out, &errb)
		var es exitStatus
		switch {
		case err == nil:
			return out.String(), 0
		case errors.As(err, &es):
			return out.String() + errb.String(), int(es)
		}
		t.Fatalf("check: %v\n%s", err, errb.String())
		return "", -1
	}
	out, code := check("--lang", "pt-BR", text("Fiz um pix errado pra você, pode devolver? Acesse https://bit.ly/3x"))
	for _, want := range []string{"content.scam", "(#470140)", "block  scam.pix  [pix, errado, devolv*]", "warn   structure.shortener  [bit.ly]"} {
		if !strings.Contains(out, want) {
			t.Errorf("scam: output lacks %q (exit %d)\n%s", want, code, out)
		}
	}
	if code != exitRefused {
		t.Errorf("scam: exit %d", code)
	}
	// The hints follow --lang, in the listing and in the refusal's details.
	for lang, want := range map[string]string{
		"pt-BR": "Um PIX enviado por engano é devolvido pelo app do próprio banco",
		"es":    "Un PIX enviado por error se devuelve por la app del propio banco",
		"en":    "A PIX sent by mistake is returned through the bank's own app",
	} {
		out, _ := check("--lang", lang, text("Fiz um pix errado pra você, pode devolver?"))
		if n := strings.Count(out, want); n < 2 {
			t.Errorf("%s: the hint %q is in the output %d times, want it in the details and the listing\n%s", lang, want, n, out)
		}
	}
	out, code = check("--json", text("Acompanhe seu pedido em https://bit.ly/3x"))
	var res struct {
		Outcome  string
		Reason   string
		Findings []struct{ Category, Action string } `json:"content_findings"`
	}
	// Every finding is listed with the action it gets, those the policy
	// turned off too (the classifier's spam verdict by default).
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.Outcome != "warn" ||
		len(res.Findings) == 0 || res.Findings[0].Category != "structure.shortener" || res.Findings[0].Action != "warn" ||
		!strings.Contains(res.Reason, "structure.shortener: bit.ly") {
		t.Fatalf("shortener: exit %d %+v %v\n%s", code, res, err, out)
	}
	for _, f := range res.Findings[1:] {
		if f.Action != "off" && f.Action != "warn" {
			t.Errorf("shortener: a finding %+v would refuse a message that was accepted", f)
		}
	}
}
