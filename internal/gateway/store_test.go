package gateway_test

import (
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"testing"
)

// openStore returns a fresh SQLite store in the test's temporary directory.
func openStore(t testing.TB) testStore { return sqlitetest.Open(t) }
