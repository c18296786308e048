// Package sqlitetest opens the real SQLite engine for other packages'
// tests: a fresh database file in the test's temporary directory, sealed
// with a fresh key, closed when the test ends.
package sqlitetest

import (
	"path/filepath"
	"testing"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// Open returns a fresh store in t's temporary directory.
func Open(t testing.TB) *sqlite.Store {
	t.Helper()
	return OpenFile(t, filepath.Join(t.TempDir(), "wabaguard.db"))
}

// OpenFile returns a store on the file at path (created when missing), for
// tests that also read the file themselves.
func OpenFile(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	box, err := secret.NewBox(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), path, box)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
