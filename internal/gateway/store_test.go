package gateway_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// openStore returns a fresh SQLite store in the test's temporary directory.
func openStore(t testing.TB) testStore {
	t.Helper()
	box, err := secret.NewBox(secret.NewKey())
	must(t, err)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "wabaguard.db"), box)
	must(t, err)
	return st
}
