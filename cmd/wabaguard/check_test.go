package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkExit runs `check` and returns its exit status, stdout and stderr.
func checkExit(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runCheck(args, strings.NewReader(stdin), &out, &errOut)
	var st exitStatus
	switch {
	case err == nil:
		return 0, out.String(), errOut.String()
	case errors.As(err, &st):
		return int(st), out.String(), errOut.String()
	}
	t.Fatalf("check %q: %v", args, err)
	return 0, "", ""
}

func TestCheckInboundExitCodes(t *testing.T) {
	t.Setenv("WABAGUARD_CONFIG", "")
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		has   string
	}{
		{"opt-out argument", "", []string{"--inbound", "PARAR"}, 3, "rule:     pt-BR/opt_out/keyword/parar"},
		{"opt-out in words", "", []string{"--inbound", "não", "quero", "mais", "receber"}, 3, "scope:    all"},
		{"opt-in", "", []string{"--inbound", "#voltar"}, 4, "kind:     opt_in"},
		{"neither", "", []string{"--inbound", "cancelar meu pedido"}, 0, "kind:     none"},
		{"flags after the text", "", []string{"--inbound", "stop", "--json"}, 3, `"rule_id":"en/opt_out/keyword/stop"`},
		{"after --", "", []string{"--inbound", "--", "--json"}, 0, "kind:     none"},
		{"stdin", "Me tire da lista, por favor\n", []string{"--inbound"}, 3, "language: pt-BR"},
		{"stdin neither", "Qual o prazo de entrega?\n", []string{"--inbound"}, 0, "kind:     none"},
		{"reply to marketing", "", []string{"--inbound", "--reply-to", "marketing", "Não"}, 3, "strength: context"},
		{"no without context", "", []string{"--inbound", "Não"}, 0, "kind:     none"},
		{"reply to consent question", "", []string{"--inbound", "--reply-to=optin", "SIM"}, 4, "scope:    marketing"},
		{"outbound not yet", "", []string{"some text"}, 2, ""},
		{"bad reply-to", "", []string{"--inbound", "--reply-to", "x", "sair"}, 2, ""},
		{"unknown flag", "", []string{"--inbound", "--nope"}, 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, _ := checkExit(t, c.stdin, c.args...)
			if code != c.code || !strings.Contains(out, c.has) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d with %q", code, out, c.code, c.has)
			}
		})
	}
}

func TestCheckInboundJSON(t *testing.T) {
	t.Setenv("WABAGUARD_CONFIG", "")
	code, out, _ := checkExit(t, "", "--inbound", "--json", "BAJA")
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{"text": "BAJA", "kind": "opt_out", "scope": "all", "phrase": "baja",
		"matched": "baja", "language": "es", "rule_id": "es/opt_out/keyword/baja", "strength": "keyword"}
	if code != 3 || len(got) != len(want) {
		t.Fatalf("exit %d, %v", code, got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestCheckInboundTenantLists(t *testing.T) {
	t.Setenv("WABAGUARD_CONFIG", "")
	path := filepath.Join(t.TempDir(), "c.json")
	cfg := `{"tenants":[{"id":"academia","optout":{"extra_keywords":["me esquece"],"disabled_defaults":["cancelar"]}},{"id":"bad","optout":{"disabled_defaults":["zzz"]}}]}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		code int
	}{{"me esquece", 3}, {"cancelar", 0}, {"sair", 3}} {
		if code, out, _ := checkExit(t, "", "--inbound", "--config", path, "--tenant", "academia", c.text); code != c.code {
			t.Errorf("%q: exit %d, want %d\n%s", c.text, code, c.code, out)
		}
	}
	// Without the tenant the defaults apply.
	if code, _, _ := checkExit(t, "", "--inbound", "--config", path, "cancelar"); code != 3 {
		t.Errorf("cancelar with the defaults: exit %d, want 3", code)
	}
	for _, args := range [][]string{
		{"--inbound", "--config", path, "--tenant", "nobody", "x"},
		{"--inbound", "--config", path, "--tenant", "bad", "x"},
		{"--inbound", "--tenant", "academia", "x"},
	} {
		if err := runCheck(args, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}); err == nil || errors.As(err, new(exitStatus)) {
			t.Errorf("%q: error %v, want a plain error", args, err)
		}
	}
}
