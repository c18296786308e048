package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

// TestReadStatementsArePreparedOnce: the hot path's reads reuse one
// prepared statement per query, answer correctly through it, and fail
// cleanly once the store is closed.
func TestReadStatementsArePreparedOnce(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "wabaguard.db"), storetest.Sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO windows (sender_id, wa_id, at) VALUES (?, ?, ?)`, "pn1", "5511999990000", ms(at)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		got, err := s.GetWindow(ctx, "pn1", "5511999990000")
		if err != nil || !got.Equal(at) {
			t.Fatalf("window: %v, %v; want %v", got, err, at)
		}
		if got, err := s.GetWindow(ctx, "pn1", "5511999990001"); err != nil || !got.IsZero() {
			t.Fatalf("no window: %v, %v", got, err)
		}
	}
	if n := len(s.reads.stmts); n != 1 {
		t.Fatalf("%d statements prepared for one query, want 1", n)
	}
	a, _ := s.read(ctx, `SELECT 1`)
	b, _ := s.read(ctx, `SELECT 1`)
	if a == nil || a != b {
		t.Fatalf("the same query gave two statements: %p, %p", a, b)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetWindow(ctx, "pn1", "5511999990000"); err == nil {
		t.Fatal("a read after Close succeeded")
	}
}
