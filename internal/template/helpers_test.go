package template

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

type engine struct {
	name string
	open func(t *testing.T) store.Store
}

// engines are the real stores every cache test runs on.
var engines = []engine{
	{"sqlite", func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "wabaguard.db"), storetest.Sealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), pgtest.DSN(t), storetest.Sealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// lookup is Lookup that fails the test unless the template is Present.
func lookup(t *testing.T, c *Cache, waba, name, lang string) Info {
	t.Helper()
	info, k := c.Lookup(waba, name, lang)
	if k != Present {
		t.Fatalf("Lookup(%s, %s, %s) = %v, want present", waba, name, lang, k)
	}
	return info
}

// resyncs drains the WABAs the cache asked to have synced.
func resyncs(c *Cache) []string {
	var out []string
	for {
		select {
		case w := <-c.resync:
			out = append(out, w)
		default:
			return out
		}
	}
}

// openBenchStore opens a SQLite store for a benchmark.
func openBenchStore(b *testing.B) store.Store {
	b.Helper()
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "wabaguard.db"), storetest.Sealer(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
