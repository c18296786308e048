package gateway_test

import (
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// templateWithParams renders a template send whose body has n text
// parameters.
func templateWithParams(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = `{"type":"text","text":"v"}`
	}
	return `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"t","language":{"code":"en"},"components":[{"type":"body","parameters":[` +
		strings.Join(ps, ",") + `]}]}}`
}

// rawText renders a text send with to and text pasted in as they are, so a
// test can put escapes and invalid bytes into the JSON.
func rawText(to, text string) string {
	return `{"messaging_product":"whatsapp","to":"` + to + `","type":"text","text":{"body":"` + text + `"}}`
}

// TestSendRefusesLaxInput sends each kind of lax input the gateway once
// passed to Meta through the real schema and recipient rules, and checks
// that each gets a Graph-shaped 400 naming the problem and that nothing is
// queued or sent upstream.
func TestSendRefusesLaxInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *gateway.Config, _ *env) {
		c.Pipeline = policy.New(policy.Schema{}, policy.Recipient{DefaultRegion: "BR"})
	})
	path := "/v23.0/" + pnA + "/messages"
	deep := strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000)
	cases := []struct {
		name    string
		body    string
		code    int
		details string
	}{
		{"invalid utf-8", rawText("+5511987654321", "caf\xe9"), wire.CodeInvalidParameter, "invalid UTF-8"},
		{"lone surrogate", rawText("+5511987654321", `a\ud800b`), wire.CodeInvalidParameter, "surrogate"},
		{"lone low surrogate", rawText("+5511987654321", `\udc00`), wire.CodeInvalidParameter, "surrogate"},
		{"to leading dash", rawText("-5511987654321", "x"), wire.CodeInvalidParameter, "Param to"},
		{"to trailing newline", rawText(`+5511987654321\n`, "x"), wire.CodeInvalidParameter, "Param to"},
		{"to trailing space", rawText(`+5511987654321 `, "x"), wire.CodeInvalidParameter, "Param to"},
		{"duplicate key", `{"messaging_product":"whatsapp","to":"+5511987654321","to":"+5511912345678","type":"text","text":{"body":"x"}}`, wire.CodeInvalidParameter, `duplicate key "to"`},
		{"duplicate key by case", `{"messaging_product":"whatsapp","to":"+5511987654321","TO":"+5511912345678","type":"text","text":{"body":"x"}}`, wire.CodeInvalidParameter, "duplicate key"},
		{"duplicate nested key", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"x","body":"y"}}`, wire.CodeInvalidParameter, `duplicate key "body"`},
		{"group path", `{"messaging_product":"whatsapp","recipient_type":"group","to":"../../../etc","type":"text","text":{"body":"x"}}`, wire.CodeInvalidParameter, "group id"},
		{"10000 template parameters", templateWithParams(10000), wire.CodeInvalidParameter, "more than 1000 elements"},
		{"101 template parameters", templateWithParams(wire.MaxTemplateParameters + 1), wire.CodeParameterInvalid, "at most 100"},
		{"5000-deep nesting", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"x"},"x":` + deep + `}`, wire.CodeInvalidParameter, "nests deeper than 64"},
	}
	for _, c := range cases {
		r := request(t, e.srv, "POST", path, c.body, bearer(e.keyA))
		ge := wantErr(t, r, 400, c.code)
		if ge != nil && !strings.Contains(ge.Details(), c.details) {
			t.Errorf("%s: details %q do not say %q", c.name, ge.Details(), c.details)
		}
	}
	if n := e.depth(); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
	if calls := e.calls(); len(calls) != 0 {
		t.Errorf("%d calls reached Meta, want none", len(calls))
	}
	// What Meta accepts still passes: a formatted number and a group id.
	for _, body := range []string{
		textBody("+55 11 98765-4321", "olá 😀 \u00e9"),
		`{"messaging_product":"whatsapp","recipient_type":"group","to":"Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD","type":"text","text":{"body":"x"}}`,
		templateWithParams(wire.MaxTemplateParameters),
	} {
		if r := request(t, e.srv, "POST", path, body, bearer(e.keyA)); r.status != 200 {
			t.Errorf("refused %s: %d %s", body, r.status, r.body)
		}
	}
	if n := e.depth(); n != 3 {
		t.Errorf("%d messages stored, want 3", n)
	}
}
