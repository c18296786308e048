package clocktest

import (
	"context"
	"testing"
	"time"
)

func TestManual(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := New(t0)
	c.Advance(time.Second)
	if err := c.Sleep(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := c.Now().Sub(t0); got != time.Minute+time.Second {
		t.Fatalf("clock moved %v, want 1m1s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); err == nil || c.Now().Sub(t0) != time.Minute+time.Second {
		t.Fatalf("Sleep on an ended context: err %v, clock %v", err, c.Now())
	}
}
