package dispatch

import (
	"context"
	"testing"
	"time"
)

// TestDeparturesNeverExceedTargetInAnyWindow drives the guard with a fake
// clock whose sleeps advance time, with sends arriving in bursts, and checks
// every sliding window of one second holds at most target departures.
func TestDeparturesNeverExceedTargetInAnyWindow(t *testing.T) {
	t.Parallel()
	for _, target := range []int{1, 3, 40, 80} {
		now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		sleep := func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }
		d := newDepartures(target)
		var left []time.Time
		for i := range target * 5 {
			if i%7 == 0 { // bursts separated by pauses, like late goroutines
				now = now.Add(time.Duration(i%300) * time.Millisecond)
			}
			if err := d.Leave(context.Background(), clock, sleep); err != nil {
				t.Fatal(err)
			}
			left = append(left, now)
		}
		for i := range left {
			n := 0
			for j := i; j < len(left) && left[j].Sub(left[i]) < time.Second; j++ {
				n++
			}
			if n > target {
				t.Fatalf("target %d: %d departures within one second from %v", target, n, left[i])
			}
		}
	}
}

func TestDeparturesResizeKeepsNewest(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	slept := time.Duration(0)
	sleep := func(_ context.Context, d time.Duration) error { slept += d; now = now.Add(d); return nil }
	d := newDepartures(10)
	for range 10 {
		_ = d.Leave(context.Background(), clock, sleep)
	}
	d.SetTarget(5) // lowering must not allow a send before a second passed
	_ = d.Leave(context.Background(), clock, sleep)
	if slept < time.Second {
		t.Fatalf("after lowering the target a send left after %v, want at least a second", slept)
	}
}

func TestDeparturesStopWithContext(t *testing.T) {
	t.Parallel()
	d := newDepartures(1)
	ctx, cancel := context.WithCancel(context.Background())
	_ = d.Leave(ctx, time.Now, func(context.Context, time.Duration) error { return nil })
	cancel()
	err := d.Leave(ctx, time.Now, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	if err == nil {
		t.Fatal("Leave returned nil after its context ended")
	}
}
