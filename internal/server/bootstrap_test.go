package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"github.com/wabaguard/wabaguard/internal/ui"
)

func declare(keys map[string][]string) config.Config {
	cfg := config.Default()
	for _, id := range []string{"t1", "t2"} {
		if ks, ok := keys[id]; ok {
			cfg.Tenants = append(cfg.Tenants, config.TenantConfig{ID: id, APIKeys: ks})
		}
	}
	return cfg
}

func usable(t *testing.T, st store.Store, key string) bool {
	t.Helper()
	_, _, err := st.KeyByHash(context.Background(), secret.HashAPIKey(key))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestRestartRevokesKeysRemovedFromConfig: each start is one Bootstrap on
// the same database with the file as it is then.
func TestRestartRevokesKeysRemovedFromConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	k1, _ := secret.NewAPIKey()
	k2, _ := secret.NewAPIKey()
	k3, _ := secret.NewAPIKey()
	cli, cliID := secret.NewAPIKey()
	start := func(cfg config.Config) FirstStart {
		t.Helper()
		fs, err := Bootstrap(ctx, st, cfg, now)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}

	start(declare(map[string][]string{"t1": {k1, k2}, "t2": {k3}}))
	if err := st.PutAPIKey(ctx, store.APIKey{ID: cliID, TenantID: "t1", Hash: secret.HashAPIKey(cli), CreatedAt: now, Source: store.KeyFromCLI}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{k1, k2, k3, cli} {
		if !usable(t, st, k) {
			t.Fatalf("key %s not usable after the first start", secret.APIKeyID(k))
		}
	}

	tests := []struct {
		name     string
		cfg      config.Config
		usable   map[string]bool
		warnings int
	}{
		{"a key removed from its tenant", declare(map[string][]string{"t1": {k1}, "t2": {k3}}),
			map[string]bool{k1: true, k2: false, k3: true, cli: true}, 1},
		{"a removed key put back stays revoked", declare(map[string][]string{"t1": {k1, k2}, "t2": {k3}}),
			map[string]bool{k1: true, k2: false, k3: true, cli: true}, 1},
		{"a tenant removed", declare(map[string][]string{"t1": {k1}}),
			map[string]bool{k1: true, k2: false, k3: false, cli: true}, 1},
		{"no tenants at all (demo start)", config.Default(),
			map[string]bool{k1: false, k2: false, k3: false, cli: true}, 1},
	}
	for _, tc := range tests {
		fs := start(tc.cfg)
		for k, want := range tc.usable {
			if got := usable(t, st, k); got != want {
				t.Errorf("%s: key %s usable = %v, want %v", tc.name, secret.APIKeyID(k), got, want)
			}
		}
		if len(fs.Warnings) != tc.warnings {
			t.Errorf("%s: warnings %q, want %d", tc.name, fs.Warnings, tc.warnings)
		}
	}
	demo, err := st.ListAPIKeys(ctx, DemoTenantID)
	if err != nil || len(demo) != 1 || demo[0].Source != store.KeyFromDemo {
		t.Errorf("demo keys = %+v, %v; want one from the demo", demo, err)
	}
}

// TestLegacyKeysAdoptedOrReported: keys stored before sources existed are
// adopted when the file holds them (and then revoked when it drops them);
// the others are left alone and reported.
func TestLegacyKeysAdoptedOrReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	inFile, _ := secret.NewAPIKey()
	unknown, _ := secret.NewAPIKey()
	if err := st.PutTenant(ctx, store.Tenant{ID: "t1", Name: "t1", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{inFile, unknown} {
		if err := st.PutAPIKey(ctx, store.APIKey{ID: secret.APIKeyID(k), TenantID: "t1", Hash: secret.HashAPIKey(k), CreatedAt: now, Source: store.KeyLegacy}); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := Bootstrap(ctx, st, declare(map[string][]string{"t1": {inFile}}), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs.Warnings) != 1 || !strings.Contains(fs.Warnings[0], "predate") {
		t.Errorf("warnings = %q, want one about the unknown legacy key", fs.Warnings)
	}
	if _, err := Bootstrap(ctx, st, declare(map[string][]string{"t1": {}}), now); err != nil {
		t.Fatal(err)
	}
	if usable(t, st, inFile) {
		t.Errorf("the adopted key survived its removal from the file")
	}
	if !usable(t, st, unknown) {
		t.Errorf("a legacy key of unknown origin was revoked")
	}
}

// TestDemoDashboardUser: demo mode creates one dashboard admin with a
// random password, shown once; later starts create none and show nothing.
func TestDemoDashboardUser(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	now := time.Now()
	first, err := Bootstrap(ctx, st, config.Config{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if first.DashboardEmail != DemoUserEmail || len(first.DashboardPassword) < 24 {
		t.Fatalf("first start: dashboard %q / %d-character password", first.DashboardEmail, len(first.DashboardPassword))
	}
	u, err := st.UserByEmail(ctx, DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	if u.TenantID != DemoTenantID || u.Role != store.RoleAdmin {
		t.Errorf("demo user %+v", u)
	}
	if ok, err := ui.VerifyPassword(u.PasswordHash, first.DashboardPassword); err != nil || !ok {
		t.Errorf("the printed password does not log in: %v %v", ok, err)
	}
	again, err := Bootstrap(ctx, st, config.Config{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if again.DashboardPassword != "" || again.DashboardEmail != "" {
		t.Errorf("second start shows a dashboard password again")
	}
	if us, err := st.ListUsers(ctx, DemoTenantID); err != nil || len(us) != 1 {
		t.Errorf("after two starts the demo tenant has %d users (%v)", len(us), err)
	}
}
