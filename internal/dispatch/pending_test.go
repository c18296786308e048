package dispatch

import (
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestLapsedClaimWithPendingOutcomeIsNotSentAgain is the regression test
// of the failed status forwarded twice: a message whose claim lease lapsed
// while its send was still on its way came back from the next claim, went
// out a second time and got a second outcome (and a second failed status).
func TestLapsedClaimWithPendingOutcomeIsNotSentAgain(t *testing.T) {
	tests := []struct {
		name      string
		answer    *wire.Error // nil: accepted
		wantState store.MessageState
		wantFwds  int
	}{
		{"failed", wire.NewError(wire.CodeUndeliverable, "no"), store.StateFailed, 1},
		{"sent", nil, store.StateSent, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeClock()
			st := newMemStore()
			seed(st, c, "1")
			blocked, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			unblock := func() { once.Do(func() { close(release) }) }
			up, client := newUpstreamRec(t, c, func(_ string, n int) *wire.Error {
				if n == 1 {
					close(blocked)
					<-release
				}
				return tc.answer
			})
			h := start(t, st, c, client, func(cfg *Config) { cfg.MaxInFlight = 2; cfg.PollInterval = time.Millisecond })
			t.Cleanup(unblock) // runs before the harness stops, whatever happens

			// The first send is held at the upstream.
			select {
			case <-blocked:
			case <-time.After(10 * time.Second):
				t.Fatal("nothing sent")
			}
			// Its claim lease lapses. A claim counted after c0+1 began
			// after the clock moved; once c0+3 has begun, the loop has
			// dealt with what claim c0+2 returned.
			c.Advance(3 * time.Minute)
			c0 := st.claims.Load()
			eventually(t, "two claims after the lease lapsed", func() bool { return st.claims.Load() >= c0+3 })
			unblock()
			// Stopping waits for every send started and flushes its outcome.
			h.stop()

			if n := len(up.records()); n != 1 {
				t.Fatalf("message sent %d times, want once", n)
			}
			if got := st.get("m000").State; got != tc.wantState {
				t.Fatalf("state %s, want %s", got, tc.wantState)
			}
			if n := len(st.getForwards()); n != tc.wantFwds {
				t.Fatalf("%d forwards, want %d", n, tc.wantFwds)
			}
		})
	}
}
