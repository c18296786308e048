package dispatch

import (
	"context"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestMaintenancePausesTheNumber: 131057 (the number is being upgraded,
// unusable for up to a minute) pauses every send of that number for
// maintenancePause, retries the message after it, and does not count
// against the upstream's breaker.
func TestMaintenancePausesTheNumber(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	seed(st, c, "100", "101", "102", "103")
	u, cl := newUpstreamRec(t, c, func(to string, n int) *wire.Error {
		if to == "101" && n == 1 {
			return wire.NewError(wire.CodeMaintenance, "Business Account is in maintenance mode")
		}
		return nil
	})
	h := start(t, st, c, cl, func(cfg *Config) { cfg.MaxInFlight = 1; cfg.LeaseTTL = time.Hour })
	eventually(t, "all sent", func() bool { return st.count(store.StateSent) == 4 })
	recs := u.records()
	var pausedAt time.Time
	for i, r := range recs {
		if r.to == "101" && pausedAt.IsZero() {
			pausedAt = r.at
			continue
		}
		if !pausedAt.IsZero() && r.at.Before(pausedAt.Add(maintenancePause)) {
			t.Fatalf("send %d to %s went %v after the 131057, within the %v pause", i, r.to, r.at.Sub(pausedAt), maintenancePause)
		}
	}
	if pausedAt.IsZero() || len(recs) != 5 {
		t.Fatalf("sends %+v: want 5 (101 twice)", recs)
	}
	if m := st.get("m001"); m.Attempts != 2 {
		t.Fatalf("message to 101: %d attempts, want 2", m.Attempts)
	}
	if !h.m.UpstreamHealth().Up {
		t.Fatal("a number in maintenance opened the upstream's breaker")
	}
}

// TestInboundTakesThroughput: inbound messages, told by the webhook
// signals, use tokens of their number's bucket; 131049 failures are
// counted per sender.
func TestInboundTakesThroughput(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	seed(st, c) // a sender at 1,000 mps, nothing queued
	h := start(t, st, c, newUpstream(t, c, nil), nil)
	eventually(t, "loop running", func() bool {
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		r := h.m.runners[pnid]
		return r != nil && r.lim.Load() != nil
	})
	h.m.mu.Lock()
	lim := h.m.runners[pnid].lim.Load()
	h.m.mu.Unlock()

	batch := make([]signal.Signal, 0, 502)
	for range 500 {
		batch = append(batch, signal.Signal{Kind: signal.Inbound, PhoneNumberID: pnid, WaID: "5511987654321"})
	}
	batch = append(batch,
		signal.Signal{Kind: signal.Inbound, PhoneNumberID: "other"}, // not dispatched here: ignored
		signal.Signal{Kind: signal.Status, PhoneNumberID: pnid, Status: wire.StatusFailed, Codes: []int{wire.CodeEcosystem}},
		signal.Signal{Kind: signal.Status, PhoneNumberID: pnid, Status: wire.StatusDelivered})
	if err := h.m.Signals().Consume(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	// 500 inbound messages used half a second of the bucket: the next
	// send waits about that long (less what the bucket refilled while
	// the idle loop's short sleeps moved the test clock).
	wait := lim.Reserve(c.Now())
	if want := time.Duration(float64(400) / lim.Rate() * float64(time.Second)); wait < want {
		t.Fatalf("next send waits %v after 500 inbound messages, want at least %v", wait, want)
	}
	if got := counterValue(t, h.met.EcosystemHeld.WithLabelValues(pnid)); got != 1 {
		t.Fatalf("131049 failures counted %v, want 1", got)
	}
}

// TestLimiterTakeIsBounded: a flood of inbound messages delays sends by at
// most a second's worth of the rate.
func TestLimiterTakeIsBounded(t *testing.T) {
	c := newFakeClock()
	l := newLimiter(80, c.Now())
	l.Take(c.Now(), 1_000_000)
	if d := l.Reserve(c.Now()); d > time.Second+2*time.Second/time.Duration(l.Rate()) {
		t.Fatalf("next send waits %v after a flood", d)
	}
}
