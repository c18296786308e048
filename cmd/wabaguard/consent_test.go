package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
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

// TestConsentRecordAsksDoubleOptIn: for a tenant with double opt-in, a
// marketing opt-in recorded from the CLI queues the confirmation template
// in the outbox, for the serving dispatcher to send, exactly as one
// recorded through the API does; an opt-out queues nothing.
func TestConsentRecordAsksDoubleOptIn(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "wabaguard.json")
	b, err := json.Marshal(map[string]any{"data_dir": dir, "tenants": []map[string]any{{
		"id": "acme", "name": "Acme",
		"double_opt_in": map[string]string{"template": "confirmar_optin", "language": "pt_BR", "phone_number_id": "100000000000777"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutTenant(t.Context(), store.Tenant{ID: "acme", Name: "Acme", CreatedAt: time.Now()}))
	must(st.PutSender(t.Context(), store.Sender{PhoneNumberID: "100000000000777", TenantID: "acme", WABAID: "200000000000777",
		DisplayPhoneNumber: "+55 11 4000-0777", State: store.SenderActive}))
	must(st.Close())

	c := []string{"--config", cfgPath, "--tenant", "acme"}
	if out, err := consentCmd(t, append([]string{"record", "--contact", "+5511987654321", "--action", "opt_in", "--category", "marketing",
		"--source", "web_form", "--text", "Quero ofertas da Acme no WhatsApp", "--url", "https://acme.example/f",
		"--at", time.Now().Add(-time.Minute).Format(time.RFC3339)}, c...)...); err != nil {
		t.Fatalf("record opt-in: %v: %s", err, out)
	}
	if out, err := consentCmd(t, append([]string{"record", "--contact", "+5521998765432", "--action", "opt_out", "--category", "all",
		"--source", "api"}, c...)...); err != nil {
		t.Fatalf("record opt-out: %v: %s", err, out)
	}

	st, err = server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	asked, err := st.MessagesByRecipient(t.Context(), "acme", "5511987654321", 0, 10)
	must(err)
	if len(asked) != 1 || asked[0].Category != intake.CategoryOptInRequest || asked[0].State != store.StateQueued ||
		!strings.Contains(string(asked[0].Body), `"confirmar_optin"`) {
		t.Fatalf("outbox for the opted-in contact: %+v", asked)
	}
	if none, err := st.MessagesByRecipient(t.Context(), "acme", "5521998765432", 0, 10); err != nil || len(none) != 0 {
		t.Errorf("an opt-out queued %d messages (%v)", len(none), err)
	}
}
