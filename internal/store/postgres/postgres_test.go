package postgres_test

import (
	"testing"

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
