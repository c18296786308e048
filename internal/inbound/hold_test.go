package inbound

import (
	"net/http"
	"testing"
	"time"
)

// TestHeldStatusGivenUpAtTheHorizon holds a status for a Meta id the gateway
// never learns and steps the manual clock until the status is given up on
// (forwarded unchanged to the number's tenant): that must happen when the
// configured horizon is reached, not at the next doubling past it.
func TestHeldStatusGivenUpAtTheHorizon(t *testing.T) {
	t.Parallel()
	const step = 5 * time.Second
	tests := []struct {
		name    string
		base    time.Duration
		horizon time.Duration
	}{
		{"default 1s over 10m", 0, 0},
		{"1s over 3m", time.Second, 3 * time.Minute},
		{"7s over 2m", 7 * time.Second, 2 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newTestStore(t)
			seedTenant(t, st, tenantID, wabaID, pnid)
			r := newRig(t, st, 0)
			r.p = NewProcessor(st, ProcessorConfig{Now: r.clk.Now, RetryBase: tc.base, RetryFor: tc.horizon, Signals: forwarding()})
			horizon := tc.horizon
			if horizon == 0 {
				horizon = 10 * time.Minute
			}
			body := deliveryOf(t, event{metaID: "wamid.NEVER", status: "delivered", ts: 1700000001})
			if code := r.post(t, body); code != http.StatusOK {
				t.Fatal(code)
			}
			start := r.clk.Now()
			r.drain(t)
			for held := time.Duration(0); held <= 2*horizon; held += step {
				if fws := r.forwards(t); len(fws) > 0 {
					if held < horizon || held >= horizon+step {
						t.Fatalf("given up after %v, want at %v", r.clk.Now().Sub(start), horizon)
					}
					return
				}
				r.clk.Advance(step)
				r.drain(t)
			}
			t.Fatalf("still held after %v (horizon %v)", 2*horizon, horizon)
		})
	}
}
