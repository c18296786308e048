package batch

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestCommitterGroupsConcurrentSubmits(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		flushed []int
		batches atomic.Int64
		gate    = make(chan struct{})
	)
	first := true
	c := New(func(_ context.Context, items []int) error {
		if first { // hold the first flush so that the rest queue up behind it
			first = false
			<-gate
		}
		batches.Add(1)
		mu.Lock()
		flushed = append(flushed, items...)
		mu.Unlock()
		return nil
	}, 64)
	defer c.Close()

	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Submit(context.Background(), i); err != nil {
				t.Errorf("submit %d: %v", i, err)
			}
		}()
	}
	for len(c.in) < n-1 { // all but the held one are queued
	}
	close(gate)
	wg.Wait()
	if len(flushed) != n {
		t.Fatalf("flushed %d items, want %d", len(flushed), n)
	}
	seen := map[int]bool{}
	for _, v := range flushed {
		if seen[v] {
			t.Fatalf("item %d flushed twice", v)
		}
		seen[v] = true
	}
	// 1 held flush + the 199 queued in batches of at most 64 = at most 5.
	if b := batches.Load(); b > 5 {
		t.Fatalf("%d flushes for %d items; group commit did not group", b, n)
	}
}

func TestCommitterReturnsFlushErrorToEveryCaller(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	c := New(func(context.Context, []string) error { return boom }, 8)
	defer c.Close()
	if err := c.Submit(context.Background(), "a"); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
}

func TestCommitterClosed(t *testing.T) {
	t.Parallel()
	c := New(func(context.Context, []int) error { return nil }, 8)
	c.Close()
	if err := c.Submit(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v, want ErrClosed", err)
	}
}
