package dispatch

import (
	"fmt"
	"testing"
	"time"
)

// TestPairLimiterBurstAndRepayment follows Meta's description: a burst of
// messages to one recipient, then a wait as long as the burst would have
// taken at one message per 6 s, while other recipients are never held up.
func TestPairLimiterBurstAndRepayment(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		burst     int
		sends     int           // messages to "a", back to back
		wantNow   int           // of which go at t0
		wantNext  time.Duration // when "a" is free again, after t0
		cautious  bool          // within the start-up period without bursts
		otherFree bool
	}{
		{"burst of 20", 20, 30, 20, 20*pairInterval + pairSlotMargin, false, true},
		{"Meta's 45", 0, 60, 45, 45*pairInterval + pairSlotMargin, false, true},
		{"never borrow", 1, 5, 1, pairInterval + pairSlotMargin, false, true},
		{"cautious start", 0, 5, 1, pairInterval + pairSlotMargin, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := t0.Add(-time.Hour) // the loop has run for an hour
			if tc.cautious {
				start = t0
			}
			p := newPairLimiter(tc.burst, start)
			went := 0
			var next time.Time
			for range tc.sends {
				if n := p.Reserve("a", t0); n.IsZero() {
					went++
				} else if next.IsZero() {
					next = n // the first set aside is due at the slot
				}
			}
			if went != tc.wantNow {
				t.Fatalf("%d of %d went at once, want %d", went, tc.sends, tc.wantNow)
			}
			if got := next.Sub(t0); got != tc.wantNext {
				t.Fatalf("a is free again after %v, want %v", got, tc.wantNext)
			}
			if !p.Reserve("b", t0).IsZero() {
				t.Fatal("another recipient was held up by a's burst")
			}
			// Just before the slot still nothing; at the slot a new burst.
			if p.Reserve("a", next.Add(-time.Millisecond)).IsZero() {
				t.Fatal("a message went before the repayment was over")
			}
			if !p.Reserve("a", next).IsZero() {
				t.Fatal("a was not free at its slot")
			}
		})
	}
}

// TestPairLimiterSpreadsSetAside: messages that cannot go at a busy
// recipient's next slot come due a slot's worth apart, up to a bound, so a
// backlog to one person is not put back all at once every time.
func TestPairLimiterSpreadsSetAside(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := newPairLimiter(0, t0) // cautious start: one per slot
	p.Reserve("a", t0)
	slot := t0.Add(pairInterval + pairSlotMargin)
	for k := range 10 {
		want := slot.Add(min(time.Duration(k)*pairInterval, pairAsideSpread))
		if got := p.Reserve("a", t0); !got.Equal(want) {
			t.Fatalf("set-aside %d due at %v, want %v", k, got.Sub(t0), want.Sub(t0))
		}
	}
}

// TestPairLimiterBurstWindow: a burst is planned only in the first part of
// Meta's 6 s, so that its last message still arrives inside them.
func TestPairLimiterBurstWindow(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := newPairLimiter(0, t0.Add(-time.Hour))
	if !p.Reserve("a", t0).IsZero() || !p.Reserve("a", t0.Add(pairInterval-pairWindowMargin-time.Millisecond)).IsZero() {
		t.Fatal("messages inside the planned window were held")
	}
	next := p.Reserve("a", t0.Add(pairInterval-pairWindowMargin))
	if want := t0.Add(2*pairInterval + pairSlotMargin); !next.Equal(want) {
		t.Fatalf("after the window a is free at %v, want %v", next.Sub(t0), want.Sub(t0))
	}
}

func TestPairLimiterPenalize(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := newPairLimiter(0, t0.Add(-time.Hour))
	until := t0.Add(16 * time.Second)
	p.Penalize("a", t0, until)
	if next := p.Reserve("a", t0.Add(time.Second)); next.Before(until) {
		t.Fatalf("a penalised until %v is free at %v", until.Sub(t0), next.Sub(t0))
	}
	if !p.Reserve("b", t0).IsZero() {
		t.Fatal("b held up by a's penalty")
	}
}

// TestPairLimiterForgetsIdleRecipients: memory is bounded by the
// recipients still repaying, not by every recipient ever messaged.
func TestPairLimiterForgetsIdleRecipients(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := newPairLimiter(0, t0.Add(-time.Hour))
	now := t0
	for i := range 100_000 {
		now = t0.Add(time.Duration(i) * time.Millisecond) // 1,000 recipients a second
		if !p.Reserve(fmt.Sprint(i), now).IsZero() {
			t.Fatalf("first message to %d held", i)
		}
	}
	// Recipients owe 6 s (+ margin) after their one message: about 7,500
	// are still tracked at 1,000 new ones a second, plus one sweep's worth.
	if n := p.Len(); n > 7500+pairPruneEvery {
		t.Fatalf("%d recipients tracked after 100,000 one-off messages", n)
	}
}

// TestPairLimiterRelease: a message Meta did not take gives its slot back.
func TestPairLimiterRelease(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := newPairLimiter(0, t0) // cautious: one message per recipient per slot
	if !p.Reserve("a", t0).IsZero() {
		t.Fatal("first message held")
	}
	if p.Reserve("a", t0).IsZero() {
		t.Fatal("second message in the cautious start went at once")
	}
	p.Release("a")
	if !p.Reserve("a", t0).IsZero() {
		t.Fatal("the released slot was not free again")
	}
	p.Release("b") // unknown recipients are ignored
	if p.Len() != 1 {
		t.Fatalf("%d recipients tracked, want 1", p.Len())
	}
}
