package dispatch

import (
	"fmt"
	"testing"
	"time"
)

// maxInWindow is the largest number of times in any half-open window of
// length w (times sorted).
func maxInWindow(ts []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func TestLimiterNeverExceedsTarget(t *testing.T) {
	for _, mps := range []int{1, 2, 3, 20, 80, 1000} {
		t.Run(fmt.Sprint(mps), func(t *testing.T) {
			c := newFakeClock()
			l := newLimiter(mps, c.Now())
			// Idle first so the bucket fills to its burst: the worst case.
			c.Advance(10 * time.Second)
			n := mps*5 + 10
			ts := make([]time.Time, 0, n)
			for range n {
				c.Advance(l.Reserve(c.Now()))
				ts = append(ts, c.Now())
			}
			got := maxInWindow(ts, time.Second)
			if got > mps {
				t.Fatalf("%d sends in one second, limit %d", got, mps)
			}
			// And it is not needlessly slow: at least 90 % of the limit
			// over the run (small rates lose at most one send to headroom).
			span := ts[len(ts)-1].Sub(ts[0]).Seconds()
			if rate := float64(n-1) / span; rate < 0.9*float64(mps) && mps > 3 {
				t.Fatalf("rate %.1f too far under %d", rate, mps)
			}
		})
	}
}

func TestLimiterSlowDownAndRecover(t *testing.T) {
	c := newFakeClock()
	l := newLimiter(100, c.Now())
	full := l.Rate()
	if !l.SlowDown(c.Now()) {
		t.Fatal("first throttle ignored")
	}
	if got := l.Rate(); got != full/2 {
		t.Fatalf("rate %v after throttle, want %v", got, full/2)
	}
	// A second 429 of the same burst does not halve again.
	if l.SlowDown(c.Now().Add(10 * time.Millisecond)) {
		t.Fatal("throttle within debounce halved again")
	}
	c.Advance(2 * time.Second)
	l.SlowDown(c.Now())
	if got := l.Rate(); got != full/4 {
		t.Fatalf("rate %v after second throttle, want %v", got, full/4)
	}
	// Quiet periods bring it back step by step, never above full.
	prev := l.Rate()
	for range 20 {
		c.Advance(quietPeriod)
		l.Reserve(c.Now())
		r := l.Rate()
		if r < prev || r > full {
			t.Fatalf("recovery went %v -> %v (full %v)", prev, r, full)
		}
		prev = r
	}
	if prev != full {
		t.Fatalf("not recovered: %v of %v", prev, full)
	}
}
