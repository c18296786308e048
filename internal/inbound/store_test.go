package inbound

import (
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"testing"
)

// newTestStore opens the real SQLite engine in a fresh directory.
func newTestStore(t testing.TB) testStore { return sqlitetest.Open(t) }
