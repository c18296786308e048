package failbudget

import (
	"fmt"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	b := New(2, 60, 10)
	for range 2 {
		if w := b.Wait("k", now); w != 0 {
			t.Fatalf("limited within the burst: %v", w)
		}
		b.Fail("k", now)
	}
	if w := b.Wait("k", now); w != time.Second {
		t.Fatalf("after the burst: %v, want 1s at 60 a minute", w)
	}
	if w := b.Wait("k", now.Add(time.Second)); w != 0 {
		t.Fatalf("after a refill: %v", w)
	}
	// Bounded: keys still failing are kept; room is made once they refill.
	for i := range 50 {
		b.Fail(fmt.Sprint(i), now)
	}
	if n := b.Tracked(); n > 10 {
		t.Fatalf("tracks %d keys, bound 10", n)
	}
	b.Fail("late", now.Add(time.Hour))
	if !b.Has("late") {
		t.Fatal("no room made after everyone refilled")
	}
}
