package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

func writeConfig(t *testing.T, path string, v map[string]any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func loadCfg(t *testing.T, path string) config.Config {
	t.Helper()
	cfg, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSecretsRotate reseals a real SQLite data folder: afterwards the new
// key file alone opens every secret and the data folder's old key does not.
func TestSecretsRotate(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "wabaguard.json")
	writeConfig(t, cfgPath, map[string]any{"data_dir": dir})
	st, err := server.OpenStore(t.Context(), loadCfg(t, cfgPath))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutTenant(t.Context(), store.Tenant{ID: "acme", Name: "Acme", WebhookSecret: "whsec-acme"}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(t.Context(), store.Sender{PhoneNumberID: "109000000000001", TenantID: "acme", WABAID: "209", AccessToken: "EAAG-acme"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	newKey := filepath.Join(t.TempDir(), "wabaguard.key")
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"secrets", "rotate", "--config", cfgPath, "--new-key-file", newKey}, &out, &errOut); err != nil {
		t.Fatalf("secrets rotate: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "Resealed 2 secrets") {
		t.Errorf("output = %q, want it to say 2 secrets were resealed", out.String())
	}
	if fi, err := os.Stat(newKey); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}

	// The data folder's key alone no longer opens them.
	old, err := server.OpenStore(t.Context(), loadCfg(t, cfgPath))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.GetTenant(t.Context(), "acme"); err == nil {
		t.Error("the old key still opens the resealed webhook secret")
	}
	old.Close()

	// The new key file does.
	writeConfig(t, cfgPath, map[string]any{"data_dir": dir, "secret_key_file": newKey})
	fresh, err := server.OpenStore(t.Context(), loadCfg(t, cfgPath))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	tn, err := fresh.GetTenant(t.Context(), "acme")
	if err != nil || tn.WebhookSecret != "whsec-acme" {
		t.Fatalf("tenant under the new key = %q, %v", tn.WebhookSecret, err)
	}
	sn, err := fresh.GetSender(t.Context(), "109000000000001")
	if err != nil || sn.AccessToken != "EAAG-acme" {
		t.Fatalf("sender under the new key = %q, %v", sn.AccessToken, err)
	}

	// Running it again with the same file and the old key as a previous
	// key (an interrupted rotation) is safe.
	if err := run(t.Context(), []string{"secrets", "rotate", "--config", cfgPath, "--new-key-file", newKey}, &out, &errOut); err != nil {
		t.Fatalf("second rotate: %v", err)
	}
}

func TestSecretsRotateHelpAndErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"secrets", "rotate", "-h"}, &out, &errOut); err != nil {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(out.String(), "-new-key-file") {
		t.Errorf("help does not explain --new-key-file: %q", out.String())
	}
	if err := run(t.Context(), []string{"secrets", "rotate"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--new-key-file is required") {
		t.Errorf("no --new-key-file: %v", err)
	}
}
