package sqlite

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "wabaguard.db")
	s, err := Open(t.Context(), path, storetest.Sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestSecretsSealedAtRest reads the raw columns and checks that neither the
// webhook secret nor the access token is stored in plaintext.
func TestSecretsSealedAtRest(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	const whsec, token = "whsec-very-secret-value", "EAAG-meta-access-token-value"
	if err := s.PutTenant(ctx, store.Tenant{ID: "t1", Name: "Acme", WebhookSecret: whsec}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSender(ctx, store.Sender{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1", AccessToken: token}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, column, from, plain string
	}{
		{"webhook secret", "webhook_secret", "tenants WHERE id = 't1'", whsec},
		{"access token", "access_token", "senders WHERE phone_number_id = 'p1'", token},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var raw []byte
			var typ string
			q := "SELECT " + tc.column + ", typeof(" + tc.column + ") FROM " + tc.from
			if err := s.r.QueryRowContext(ctx, q).Scan(&raw, &typ); err != nil {
				t.Fatal(err)
			}
			if len(raw) == 0 {
				t.Fatal("nothing stored")
			}
			if bytes.Contains(raw, []byte(tc.plain)) {
				t.Errorf("plaintext found in the stored column")
			}
			if typ != "blob" {
				t.Errorf("stored as %s, want blob", typ)
			}
		})
	}
}

// TestMigrateIsIdempotent migrates a new file in a missing directory twice
// and then opens it: the schema must be there once, at the latest version.
func TestMigrateIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "wg.db")
	for range 2 {
		if err := Migrate(t.Context(), path); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(t.Context(), path, storetest.Sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var applied int
	if err := s.r.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Errorf("%d migrations recorded, want %d (each once)", applied, len(files))
	}
	var mode string
	if err := s.w.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %s, want wal", mode)
	}
	if _, err := Open(t.Context(), path, nil); err == nil {
		t.Error("Open without a sealer succeeded")
	}
}

func TestResealSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wabaguard.db")
	storetest.RunReseal(t, func(t *testing.T, sealer store.Sealer) store.Store {
		s, err := Open(t.Context(), path, sealer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// TestPruneEventKeysInChunks prunes more keys than one statement deletes:
// every expired key goes, in several statements, and a later one stays.
func TestPruneEventKeysInChunks(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	const old = 2*pruneChunk + 17
	fws := make([]store.Forward, 0, old+1)
	for i := range old {
		fws = append(fws, store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages", Value: []byte(`{}`),
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond), EventKeys: []string{fmt.Sprintf("in:p1:wamid.%d", i)}})
	}
	fws = append(fws, store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages", Value: []byte(`{}`),
		CreatedAt: base.Add(time.Hour), EventKeys: []string{"in:p1:wamid.late"}})
	if err := s.ApplyWebhooks(ctx, store.WebhookApply{Forwards: fws}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneEventKeys(ctx, base.Add(time.Minute))
	if err != nil || n != old {
		t.Fatalf("PruneEventKeys = %d, %v; want %d", n, err, old)
	}
	var left int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_keys`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 1 {
		t.Errorf("%d keys left, want the later one", left)
	}
}
