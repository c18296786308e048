package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// templateCall makes one template request through the gateway and returns
// status, headers and body.
func (g *gatewayUnderTest) templateCall(t *testing.T, method, body, lang string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.url+"/v23.0/"+testWABAID+"/message_templates", rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+g.apiKey)
	req.Header.Set("Content-Type", "application/json")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// listed reports whether the simulator holds a template of that name.
func (g *gatewayUnderTest) listed(t *testing.T, name string) bool {
	t.Helper()
	code, _, b := g.templateCall(t, http.MethodGet, "", "")
	if code != http.StatusOK {
		t.Fatalf("listing: %d %s", code, b)
	}
	var page wire.MessageTemplatePage
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	for _, tm := range page.Data {
		if tm.Name == name {
			return true
		}
	}
	return false
}

const (
	promoUtility = `{"name":"pedido_enviado_promo","language":"pt_BR","category":"UTILITY","components":[
		{"type":"BODY","text":"Olá, {{1}}! Seu pedido foi enviado. Aproveite 20% de desconto na próxima compra!","example":{"body_text":[["Ana"]]}}]}`
	cleanUtility = `{"name":"pedido_enviado","language":"pt_BR","category":"UTILITY","components":[
		{"type":"BODY","text":"Olá, {{1}}! Seu pedido {{2}} foi enviado e chega em até três dias.","example":{"body_text":[["Ana","12345"]]}},
		{"type":"BUTTONS","buttons":[{"type":"URL","text":"Acompanhar","url":"https://acme.example/pedido/{{1}}","example":["https://acme.example/pedido/12345"]}]}]}`
	authNoExpiry = `{"name":"codigo_acesso","language":"pt_BR","category":"AUTHENTICATION","components":[
		{"type":"BODY","add_security_recommendation":true},
		{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copiar código"}]}]}`
)

// A template the lint blocks never reaches the simulator; a clean one is
// created with Meta's answer unchanged; warnings ride in a header.
func TestTemplateLintThroughHTTP(t *testing.T) {
	te := newTenantEndpoint(t, "s3cret")
	g := startGateway(t, te.srv.URL, "s3cret", nil)

	code, hdr, b := g.templateCall(t, http.MethodPost, promoUtility, "en")
	var env wire.ErrorEnvelope
	if err := json.Unmarshal(b, &env); err != nil || env.Error == nil {
		t.Fatalf("refusal body %s: %v", b, err)
	}
	d := env.Error.Details()
	if code != http.StatusBadRequest || env.Error.Code != 470150 || !strings.Contains(env.Error.Message, "Template refused before submission to Meta") ||
		!strings.Contains(d, "promotional.utility") || !strings.Contains(d, "components[0].text") || !strings.Contains(d, `"desconto"`) {
		t.Fatalf("refusal: %d %s", code, b)
	}
	if hdr.Get(gateway.LintWarningsHeader) != "" {
		t.Errorf("a refusal carries the warnings header")
	}
	if g.listed(t, "pedido_enviado_promo") {
		t.Fatal("the blocked template reached the simulator")
	}
	// The refusal speaks the client's language.
	if _, _, b := g.templateCall(t, http.MethodPost, promoUtility, "pt-BR"); !bytes.Contains(b, []byte("linguagem promocional")) {
		t.Errorf("pt-BR refusal: %s", b)
	}

	code, hdr, b = g.templateCall(t, http.MethodPost, cleanUtility, "")
	var created map[string]any
	if err := json.Unmarshal(b, &created); err != nil || code != http.StatusOK {
		t.Fatalf("clean creation: %d %s", code, b)
	}
	if _, ok := created["id"]; !ok || len(created) != 3 || created["category"] != "UTILITY" {
		t.Errorf("Meta's answer changed: %s", b)
	}
	if w := hdr.Get(gateway.LintWarningsHeader); w != "" {
		t.Errorf("clean template has warnings %q", w)
	}
	if !g.listed(t, "pedido_enviado") {
		t.Fatal("the clean template was not created")
	}

	code, hdr, b = g.templateCall(t, http.MethodPost, authNoExpiry, "")
	if code != http.StatusOK || !strings.Contains(hdr.Get(gateway.LintWarningsHeader), "authentication.no_expiry components") {
		t.Fatalf("warned creation: %d %q %s", code, hdr.Get(gateway.LintWarningsHeader), b)
	}

	// Bad input: Meta's invalid-parameter error naming the field.
	bad := `{"name":"x","language":"pt_BR","category":"UTILITY","components":[{"type":"SIDEBAR","text":"x"}]}`
	code, _, b = g.templateCall(t, http.MethodPost, bad, "")
	if err := json.Unmarshal(b, &env); err != nil || code != http.StatusBadRequest || env.Error.Code != wire.CodeInvalidParameter ||
		!strings.Contains(env.Error.Details(), "components[0].type") {
		t.Fatalf("unknown component: %d %s", code, b)
	}
}

// A tenant whose lint is off has its creations relayed unchecked.
func TestTemplateLintOffForATenant(t *testing.T) {
	te := newTenantEndpoint(t, "s3cret")
	g := startGateway(t, te.srv.URL, "s3cret", func(c *config.Config) {
		c.Tenants[0].Policy = &config.Policy{TemplateLint: config.Off}
	})
	if code, _, b := g.templateCall(t, http.MethodPost, promoUtility, ""); code != http.StatusOK {
		t.Fatalf("lint off: %d %s", code, b)
	}
	if !g.listed(t, "pedido_enviado_promo") {
		t.Fatal("the template did not reach the simulator")
	}
}
