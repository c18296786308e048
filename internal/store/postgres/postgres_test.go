package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

// openStore opens a Store on a fresh schema, closed when the test ends.
func openStore(t testing.TB, sealer store.Sealer) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), pgtest.DSN(t), sealer)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openStore(t, storetest.Sealer(t))
	})
}

func TestResealSecrets(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.RunReseal(t, func(t *testing.T, sealer store.Sealer) store.Store {
		s, err := postgres.Open(t.Context(), dsn, sealer)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestConsent(t *testing.T) {
	storetest.RunConsent(t, func(t *testing.T) storetest.ConsentDB {
		dsn := pgtest.DSN(t)
		sealer := storetest.Sealer(t)
		return storetest.ConsentDB{
			Open: func(t *testing.T) store.Store {
				s, err := postgres.Open(t.Context(), dsn, sealer)
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				t.Cleanup(func() { _ = s.Close() })
				return s
			},
			Exec: func(t *testing.T, q string) {
				t.Helper()
				conn, err := pgx.Connect(t.Context(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(t.Context())
				for _, g := range []string{`ALTER TABLE consent_records DISABLE TRIGGER consent_records_append_only`, q} {
					if _, err := conn.Exec(t.Context(), g); err != nil {
						t.Fatalf("%s: %v", g, err)
					}
				}
			},
		}
	})
}
