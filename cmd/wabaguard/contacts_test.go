package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func contactsCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// TestContactsCommands imports a file (dry run, strict, for real) through
// the CLI on a real SQLite file, lists and exports the contacts, and saves
// and counts an audience.
func TestContactsCommands(t *testing.T) {
	cfgPath, _ := keysEnv(t)
	c := []string{"--config", cfgPath, "--tenant", "acme"}
	file := filepath.Join(t.TempDir(), "contatos.csv")
	data := "telefone;nome;tags;opt_in;consent_source;consent_at;consent_text;consent_url\n" +
		"+55 11 98765-4321;José;vip;sim;import;2026-10-01 10:00;Aceito ofertas;https://acme.example/proof\n" +
		"551187654321;José outra vez;;;;;;\n" +
		"+5521998765432;Maria;;;;;;\n"
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}

	out, errs, err := contactsCmd(t, append(append([]string{"contacts", "import", "--dry-run", "--quiet"}, c...), file)...)
	if err != nil || strings.Count(out, "\n") != 3 || !strings.Contains(out, `"reason":"duplicate"`) || !strings.Contains(errs, "nothing written") {
		t.Fatalf("dry run: %v\n%s\n%s", err, out, errs)
	}
	_, errs, err = contactsCmd(t, append(append([]string{"contacts", "import", "--strict", "--quiet"}, c...), file)...)
	if err == nil || !strings.Contains(errs, "line 3: refused (duplicate)") {
		t.Fatalf("strict: %v\n%s", err, errs)
	}
	out, _, err = contactsCmd(t, append([]string{"contacts", "list"}, c...)...)
	if err != nil || out != "" {
		t.Fatalf("after dry run and strict: %v %q", err, out)
	}
	report := filepath.Join(t.TempDir(), "report.jsonl")
	_, errs, err = contactsCmd(t, append(append([]string{"contacts", "import", "--report", report}, c...), file)...)
	if err != nil || !strings.Contains(errs, "2 created, 0 merged, 1 refused (duplicate 1), 1 opt-ins") {
		t.Fatalf("import: %v\n%s", err, errs)
	}
	if b, err := os.ReadFile(report); err != nil || strings.Count(string(b), "\n") != 3 {
		t.Errorf("report: %v %s", err, b)
	}
	out, _, err = contactsCmd(t, append([]string{"contacts", "list", "--tag", "vip"}, c...)...)
	if err != nil || !strings.Contains(out, "+5511987654321") || !strings.Contains(out, "marketing=opt_in") || strings.Contains(out, "Maria") {
		t.Fatalf("list: %v %s", err, out)
	}
	out, _, err = contactsCmd(t, append([]string{"audiences", "put", "--id", "mkt", "--name", "Marketing",
		"--filter", `{"consent":{"category":"marketing","state":"opted_in"}}`}, c...)...)
	if err != nil {
		t.Fatalf("audiences put: %v %s", err, out)
	}
	out, _, err = contactsCmd(t, append([]string{"audiences", "count", "--id", "mkt"}, c...)...)
	if err != nil || strings.TrimSpace(out) != "1" {
		t.Fatalf("audiences count: %v %q", err, out)
	}
	if _, _, err = contactsCmd(t, append([]string{"audiences", "put", "--id", "bad", "--name", "B", "--filter", `{"colour":1}`}, c...)...); err == nil {
		t.Error("a bad filter was saved")
	}
	out, _, err = contactsCmd(t, append([]string{"contacts", "export", "--format", "jsonl", "--audience", "mkt"}, c...)...)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"name":"José"`) {
		t.Fatalf("export: %v %s", err, out)
	}
}
