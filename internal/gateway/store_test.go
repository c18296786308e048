package gateway_test

import (
	"testing"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

// openStore returns a fresh SQLite store in the test's temporary directory.
func openStore(t testing.TB) testStore { return sqlitetest.Open(t) }

// openPostgres returns a store on a fresh PostgreSQL schema (skipped when
// the server is absent, failed under CI=true).
func openPostgres(t testing.TB) testStore {
	t.Helper()
	box, err := secret.NewBox(secret.NewKey())
	must(t, err)
	st, err := postgres.Open(t.Context(), pgtest.DSN(t), box)
	must(t, err)
	return st
}

// engines are the store engines scenarios that touch persistence run on.
var engines = []struct {
	name string
	open func(testing.TB) testStore
}{
	{"sqlite", openStore},
	{"postgres", openPostgres},
}
