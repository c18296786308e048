package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

// keysEnv is a configuration file on a real SQLite store with one tenant.
func keysEnv(t *testing.T) (cfgPath string, cfg config.Config) {
	t.Helper()
	dir := t.TempDir()
	cfgPath = filepath.Join(dir, "wabaguard.json")
	b, err := json.Marshal(map[string]any{"data_dir": dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = config.Load(cfgPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutTenant(t.Context(), store.Tenant{ID: "acme", Name: "Acme", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return cfgPath, cfg
}

func keys(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"keys"}, args...), &out, &errb)
	return out.String() + errb.String(), err
}

var keyRE = regexp.MustCompile(`wg_[0-9a-f]{12}_[A-Za-z0-9_-]+`)

// TestKeysCreateListRevoke runs the key lifecycle against a real SQLite
// file: create prints the key once, list never shows it, revoke stops it.
func TestKeysCreateListRevoke(t *testing.T) {
	cfgPath, cfg := keysEnv(t)
	out, err := keys(t, "create", "--tenant", "acme", "--config", cfgPath, "--expires", "90d")
	if err != nil {
		t.Fatalf("create: %v: %s", err, out)
	}
	key := keyRE.FindString(out)
	if key == "" {
		t.Fatalf("create printed no key: %s", out)
	}
	id := secret.APIKeyID(key)
	other, err := keys(t, "create", "--tenant", "acme", "--config", cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := keyRE.FindString(other)

	out, err = keys(t, "list", "--config", cfgPath)
	if err != nil {
		t.Fatalf("list: %v: %s", err, out)
	}
	if strings.Contains(out, key) || strings.Contains(out, otherKey) {
		t.Fatalf("list shows a key: %s", out)
	}
	if !strings.Contains(out, id) || !strings.Contains(out, "acme") || !strings.Contains(out, "cli") || strings.Count(out, "active") != 2 {
		t.Errorf("list = %s; want both keys of acme, active, from the cli", out)
	}
	if !strings.Contains(out, time.Now().Add(90*24*time.Hour).UTC().Format("2006-01-02")) {
		t.Errorf("list does not show the expiry in 90 days: %s", out)
	}

	if out, err := keys(t, "revoke", "--config", cfgPath, id); err != nil || !strings.Contains(out, "revoked "+id) {
		t.Fatalf("revoke: %v: %s", err, out)
	}
	if _, err := keys(t, "revoke", "--config", cfgPath, "000000000000"); err == nil || !strings.Contains(err.Error(), "no key") {
		t.Errorf("revoking an unknown id: %v", err)
	}
	out, err = keys(t, "list", "--tenant", "acme", "--config", cfgPath)
	if err != nil || !strings.Contains(out, "revoked ") || strings.Count(out, "active") != 1 {
		t.Errorf("list after revoke: %v: %s", err, out)
	}

	st, err := server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := st.KeyByHash(t.Context(), secret.HashAPIKey(key)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked key still found: %v", err)
	}
	if _, _, err := st.KeyByHash(t.Context(), secret.HashAPIKey(otherKey)); err != nil {
		t.Errorf("the other key stopped working: %v", err)
	}
}

// TestKeysFlags: help exits cleanly with each subcommand's own flags, and
// flags of other commands (serve's --listen) are refused.
func TestKeysFlags(t *testing.T) {
	cfgPath, _ := keysEnv(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
		want    []string
		notWant []string
	}{
		{"keys help", []string{"-h"}, "", []string{"create", "list", "revoke"}, nil},
		{"create help", []string{"create", "-h"}, "", []string{"-tenant", "-expires", "-config"}, []string{"-listen", "-database"}},
		{"list help", []string{"list", "--help"}, "", []string{"-tenant", "-config"}, []string{"-listen"}},
		{"revoke help", []string{"revoke", "-h"}, "", []string{"KEY_ID", "-config"}, []string{"-listen"}},
		{"no listen flag", []string{"create", "--tenant", "acme", "--listen", ":1", "--config", cfgPath}, "flag provided but not defined", nil, nil},
		{"missing tenant", []string{"create", "--config", cfgPath}, "--tenant is required", nil, nil},
		{"unknown tenant", []string{"create", "--tenant", "nobody", "--config", cfgPath}, "does not exist", nil, nil},
		{"expiry in the past", []string{"create", "--tenant", "acme", "--expires", "2001-01-01", "--config", cfgPath}, "not in the future", nil, nil},
		{"bad expiry", []string{"create", "--tenant", "acme", "--expires", "soon", "--config", cfgPath}, "use a duration", nil, nil},
		{"revoke nothing", []string{"revoke", "--config", cfgPath}, "at least one key id", nil, nil},
		{"unknown subcommand", []string{"rotate"}, "unknown subcommand", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := keys(t, tc.args...)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("err = %v, want none: %s", err, out)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q: %s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q: %s", w, out)
				}
			}
		})
	}
}
