package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func consentCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"consent"}, args...), &out, &errb)
	return out.String() + errb.String(), err
}

// TestConsentCommands runs the ledger's commands against a real SQLite
// file: record refuses an opt-in without evidence, export and verify agree,
// erase keeps the chain intact, and tampering makes verify exit 1 naming
// the first bad seq, both on the store and on an export.
func TestConsentCommands(t *testing.T) {
	cfgPath, cfg := keysEnv(t)
	c := []string{"--config", cfgPath, "--tenant", "acme"}
	optIn := append([]string{"record", "--contact", "+5511987654321", "--action", "opt_in", "--category", "marketing",
		"--source", "web_form", "--text", "Quero ofertas da Acme no WhatsApp", "--url", "https://acme.example/f",
		"--ip", "203.0.113.7", "--at", time.Now().Add(-time.Hour).Format(time.RFC3339)}, c...)

	refusals := []struct {
		name string
		args []string
		want string
	}{
		{"opt-in without evidence", append([]string{"record", "--contact", "+5511987654321", "--action", "opt_in",
			"--category", "marketing", "--source", "api"}, c...), "evidence.text"},
		{"unknown category", append([]string{"record", "--contact", "+5511987654321", "--action", "opt_out",
			"--category", "promo", "--source", "api"}, c...), "category"},
		{"fixed line", append([]string{"record", "--contact", "+551133334444", "--action", "opt_out",
			"--category", "all", "--source", "api"}, c...), "contact"},
		{"bad time", append([]string{"record", "--at", "yesterday"}, c...), "--at"},
		{"unknown tenant", []string{"record", "--config", cfgPath, "--tenant", "acne", "--contact", "+5511987654321",
			"--action", "opt_out", "--category", "all", "--source", "api"}, `tenant: no tenant "acne"`},
		{"erase without tenant", []string{"erase", "--config", cfgPath, "--contact", "+5511987654321"}, "tenant: is required"},
		{"file and tenant", append([]string{"verify", "--file", "x"}, c...), "exclude"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			out, err := consentCmd(t, tc.args...)
			if err == nil || !strings.Contains(err.Error()+out, tc.want) {
				t.Errorf("err = %v, out %q; want a refusal naming %q", err, out, tc.want)
			}
		})
	}

	for _, args := range [][]string{optIn,
		append([]string{"record", "--contact", "+5521998765432", "--action", "opt_out", "--category", "all",
			"--source", "whatsapp_keyword", "--text", "PARE", "--message-id", "wamid.X"}, c...)} {
		if out, err := consentCmd(t, args...); err != nil {
			t.Fatalf("record: %v: %s", err, out)
		}
	}
	out, err := consentCmd(t, append([]string{"state", "--contact", "5511987654321", "--category", "marketing"}, c...)...)
	if err != nil || !strings.HasPrefix(out, "opt_in") {
		t.Errorf("state = %q, %v; want opt_in", out, err)
	}
	out, err = consentCmd(t, "erase", "--config", cfgPath, "--tenant", "acme", "--contact", "+5521998765432")
	if err != nil {
		t.Fatalf("erase: %v: %s", err, out)
	}
	out, err = consentCmd(t, "verify", "--config", cfgPath)
	if err != nil || !strings.Contains(out, "ok, 3 records") || !strings.Contains(out, "1 erased (chain intact)") {
		t.Errorf("verify after erasure = %q, %v", out, err)
	}

	export, err := consentCmd(t, "export", "--config", cfgPath, "--tenant", "acme")
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if strings.Contains(export, "5511987654321") || strings.Contains(export, "203.0.113.7") {
		t.Error("the default export holds personal data")
	}
	file := filepath.Join(t.TempDir(), "chain.jsonl")
	if err := os.WriteFile(file, []byte(export), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := consentCmd(t, "verify", "--file", file); err != nil || !strings.Contains(out, "ok, 3 records") {
		t.Errorf("verify --file = %q, %v", out, err)
	}
	tampered := strings.Replace(export, `"action":"opt_out"`, `"action":"opt_in"`, 1)
	if err := os.WriteFile(file, []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = consentCmd(t, "verify", "--file", file)
	var status exitStatus
	if !errors.As(err, &status) || status != 1 || !strings.Contains(out, "BROKEN at seq 2") {
		t.Errorf("verify --file of a tampered export = %q, %v; want exit 1 at seq 2", out, err)
	}

	// Tamper with the database itself, past the append-only guard.
	db, err := sql.Open("sqlite", cfg.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER consent_records_no_delete`, `DELETE FROM consent_records WHERE seq = 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out, err = consentCmd(t, "verify", "--config", cfgPath, "--tenant", "acme")
	if !errors.As(err, &status) || status != 1 || !strings.Contains(out, "BROKEN at seq 2") {
		t.Errorf("verify of a tampered store = %q, %v; want exit 1 at seq 2", out, err)
	}
}
