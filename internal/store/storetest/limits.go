package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testSenderHealthAndPortfolios: health and portfolios round-trip, are
// replaced whole, and a missing one is ErrNotFound.
func testSenderHealthAndPortfolios(t *testing.T, s store.Store) {
	c := ctx(t)
	if _, err := s.GetSenderHealth(c, "109"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing health: %v", err)
	}
	if _, err := s.GetPortfolio(c, "bp1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing portfolio: %v", err)
	}
	h := store.SenderHealth{PhoneNumberID: "109", PortfolioID: "bp1", Quality: "GREEN", Status: "CONNECTED",
		Health: "AVAILABLE", Tier: "TIER_2K", Throughput: "STANDARD", UpdatedAt: base}
	must(t, s.PutSenderHealth(c, h))
	h.Quality, h.Tier, h.UpdatedAt = "YELLOW", "TIER_10K", base.Add(time.Minute)
	must(t, s.PutSenderHealth(c, h))
	got, err := s.GetSenderHealth(c, "109")
	must(t, err)
	if got.Quality != "YELLOW" || got.Tier != "TIER_10K" || got.PortfolioID != "bp1" || got.Throughput != "STANDARD" ||
		got.Health != "AVAILABLE" || got.Status != "CONNECTED" || !got.UpdatedAt.Equal(h.UpdatedAt) {
		t.Errorf("health = %+v, want %+v", got, h)
	}
	must(t, s.PutPortfolio(c, store.Portfolio{ID: "bp1", Tier: "TIER_250", UpdatedAt: base}))
	must(t, s.PutPortfolio(c, store.Portfolio{ID: "bp1", Tier: "TIER_2K", UpdatedAt: base.Add(time.Hour)}))
	p, err := s.GetPortfolio(c, "bp1")
	must(t, err)
	if p.Tier != "TIER_2K" || !p.UpdatedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("portfolio = %+v", p)
	}
}

// testPortfolioReach: a recipient counts once per moving 24 hours from
// their last reach; the limit refuses a new recipient and says when a slot
// frees; a slot frees when its recipient leaves the window; release gives
// back only a slot its message took and nobody used since; portfolios do
// not share counts; a negative limit is unlimited.
func testPortfolioReach(t *testing.T, s store.Store) {
	c := ctx(t)
	reserve := func(p, wa, msg string, limit int, at time.Time) store.Reach {
		t.Helper()
		r, err := s.ReserveReach(c, store.ReachRequest{PortfolioID: p, WaID: wa, MessageID: msg, Limit: limit, Now: at})
		must(t, err)
		return r
	}
	if r := reserve("bp1", "551100000001", "m1", 2, base); !r.Granted || r.Counted || r.Used != 1 || !r.NextRelease.Equal(base.Add(24*time.Hour)) {
		t.Fatalf("first = %+v", r)
	}
	if r := reserve("bp1", "551100000001", "m2", 2, base.Add(time.Hour)); !r.Granted || !r.Counted || r.Used != 1 {
		t.Fatalf("same recipient again = %+v", r)
	}
	if r := reserve("bp1", "551100000002", "m3", 2, base.Add(2*time.Hour)); !r.Granted || r.Used != 2 {
		t.Fatalf("second = %+v", r)
	}
	// The first recipient was last reached at base+1h: that is when they
	// leave the window.
	r := reserve("bp1", "551100000003", "m4", 2, base.Add(3*time.Hour))
	if r.Granted || r.Used != 2 || !r.NextRelease.Equal(base.Add(25*time.Hour)) {
		t.Fatalf("over the limit = %+v", r)
	}
	if r := reserve("bp2", "551100000003", "m5", 2, base.Add(3*time.Hour)); !r.Granted || r.Used != 1 {
		t.Fatalf("another portfolio = %+v", r)
	}
	got, err := s.PortfolioReach(c, "bp1", "551100000002", base.Add(3*time.Hour))
	must(t, err)
	if got.Used != 2 || !got.Counted || got.Granted {
		t.Errorf("PortfolioReach = %+v", got)
	}
	got, err = s.PortfolioReach(c, "bp1", "551100000003", base.Add(24*time.Hour))
	must(t, err)
	if got.Used != 2 || got.Counted {
		t.Errorf("PortfolioReach at 24h = %+v", got)
	}
	if r := reserve("bp1", "551100000003", "m4", 2, base.Add(25*time.Hour)); !r.Granted || r.Used != 2 ||
		!r.NextRelease.Equal(base.Add(26*time.Hour)) {
		t.Fatalf("after the release time = %+v", r)
	}
	// m4 took its slot and nobody reached the person since: released.
	// m1's slot was used again by m2: kept.
	must(t, s.ReleaseReach(c, "bp1", "551100000003", "m4"))
	must(t, s.ReleaseReach(c, "bp1", "551100000001", "m1"))
	must(t, s.ReleaseReach(c, "bp1", "551100000002", "other"))
	got, err = s.PortfolioReach(c, "bp1", "", base.Add(25*time.Hour))
	must(t, err)
	if got.Used != 1 || got.Counted {
		t.Errorf("after releases = %+v", got)
	}
	for i := range 5 {
		if r := reserve("bp3", fmt.Sprintf("5511%08d", i), fmt.Sprintf("u%d", i), -1, base); !r.Granted {
			t.Fatalf("unlimited = %+v", r)
		}
	}
	if r := reserve("bp4", "551100000001", "z", 0, base); r.Granted || r.Used != 0 || !r.NextRelease.IsZero() {
		t.Fatalf("zero limit = %+v", r)
	}
}

// testPortfolioReachConcurrent: many concurrent reservations for one
// portfolio never grant more than its limit.
func testPortfolioReachConcurrent(t *testing.T, s store.Store) {
	c := ctx(t)
	const limit, workers, each = 25, 8, 10
	var mu sync.Mutex
	granted := 0
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r, err := s.ReserveReach(c, store.ReachRequest{PortfolioID: "bp1", WaID: fmt.Sprintf("55%02d%08d", w, i),
					MessageID: fmt.Sprintf("m%d-%d", w, i), Limit: limit, Now: base.Add(time.Duration(i) * time.Millisecond)})
				if err != nil {
					errs <- err
					return
				}
				if r.Granted {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if granted != limit {
		t.Errorf("granted %d, want exactly %d", granted, limit)
	}
	got, err := s.PortfolioReach(c, "bp1", "", base.Add(time.Second))
	must(t, err)
	if got.Used != limit {
		t.Errorf("used %d, want %d", got.Used, limit)
	}
}

// testReserveReaches: a batch is decided in order in one call, like the
// same requests one by one: counted recipients pass without a slot, new
// ones take the free slots, the rest are refused; a batch naming two
// portfolios is refused whole.
func testReserveReaches(t *testing.T, s store.Store) {
	c := ctx(t)
	req := func(wa, msg string, at time.Time) store.ReachRequest {
		return store.ReachRequest{PortfolioID: "bp1", WaID: wa, MessageID: msg, Limit: 3, Now: at}
	}
	_, err := s.ReserveReach(c, req("551100000001", "m0", base))
	must(t, err)
	at := base.Add(time.Minute)
	rs, err := s.ReserveReaches(c, []store.ReachRequest{
		req("551100000001", "m1", at), // counted already
		req("551100000002", "m2", at),
		req("551100000003", "m3", at),
		req("551100000004", "m4", at), // the portfolio is full
		req("551100000002", "m5", at), // counted by m2 in this very batch
	})
	must(t, err)
	want := []struct{ granted, counted bool }{{true, true}, {true, false}, {true, false}, {false, false}, {true, true}}
	if len(rs) != len(want) {
		t.Fatalf("%d answers for 5 requests", len(rs))
	}
	for i, w := range want {
		if rs[i].Granted != w.granted || rs[i].Counted != w.counted || rs[i].Used != min(i+1, 3) {
			t.Errorf("answer %d = %+v, want granted %v counted %v", i, rs[i], w.granted, w.counted)
		}
	}
	if !rs[3].NextRelease.Equal(at.Add(24 * time.Hour)) { // the first one was reached again at at
		t.Errorf("refused answer's next release %v", rs[3].NextRelease)
	}
	// Releasing an unused one frees its slot.
	must(t, s.ReleaseReach(c, "bp1", "551100000003", "m3"))
	if r, err := s.ReserveReach(c, req("551100000004", "m4", at.Add(time.Second))); err != nil || !r.Granted {
		t.Fatalf("after a release: %+v, %v", r, err)
	}
	mixed := []store.ReachRequest{req("551100000005", "m6", at), {PortfolioID: "bp2", WaID: "551100000006", MessageID: "m7", Limit: 3, Now: at}}
	if _, err := s.ReserveReaches(c, mixed); err == nil {
		t.Fatal("a batch of two portfolios was accepted")
	}
	if r, err := s.PortfolioReach(c, "bp2", "551100000006", at); err != nil || r.Used != 0 {
		t.Fatalf("the refused batch counted: %+v, %v", r, err)
	}
	if rs, err := s.ReserveReaches(c, nil); err != nil || len(rs) != 0 {
		t.Fatalf("empty batch: %v, %v", rs, err)
	}
}

// testSenderAllowance: a sender's own cap (its warm-up) holds alongside
// the portfolio's limit: it counts the recipients that sender reached last
// in the window, refuses a recipient new to it (even one the portfolio
// counts through another number) once it is reached, says when its oldest
// leaves the window, and frees as they do.
func testSenderAllowance(t *testing.T, s store.Store) {
	c := ctx(t)
	req := func(sender, wa, msg string, at time.Time) store.ReachRequest {
		return store.ReachRequest{PortfolioID: "bp1", WaID: wa, MessageID: msg, Limit: 100, Now: at, SenderID: sender, SenderLimit: 2}
	}
	rs, err := s.ReserveReaches(c, []store.ReachRequest{
		req("s1", "551100000001", "m1", base),
		req("s1", "551100000002", "m2", base.Add(time.Minute)),
		req("s1", "551100000003", "m3", base.Add(2*time.Minute)),
	})
	must(t, err)
	if !rs[0].Granted || !rs[1].Granted || rs[2].Granted || !rs[2].SenderFull || rs[2].SenderUsed != 2 ||
		!rs[2].SenderNextRelease.Equal(base.Add(24*time.Hour)) || rs[2].Used != 2 {
		t.Fatalf("answers %+v", rs)
	}
	// Another number of the portfolio reaches someone; s1 may not take
	// them over while full, but may reach its own again.
	other := req("s2", "551100000009", "m4", base.Add(3*time.Minute))
	other.SenderLimit = 0
	if r, err := s.ReserveReach(c, other); err != nil || !r.Granted {
		t.Fatalf("s2: %+v, %v", r, err)
	}
	if r, err := s.ReserveReach(c, req("s1", "551100000009", "m5", base.Add(4*time.Minute))); err != nil || r.Granted || !r.SenderFull || !r.Counted {
		t.Fatalf("s1 taking over s2's recipient while full: %+v, %v", r, err)
	}
	if r, err := s.ReserveReach(c, req("s1", "551100000001", "m6", base.Add(5*time.Minute))); err != nil || !r.Granted || r.SenderFull {
		t.Fatalf("s1 reaching its own again: %+v, %v", r, err)
	}
	used, next, err := s.SenderReach(c, "bp1", "s1", base.Add(10*time.Minute))
	must(t, err)
	if used != 2 || !next.Equal(base.Add(time.Minute).Add(24*time.Hour)) {
		t.Fatalf("s1 reach: %d, next %v", used, next)
	}
	// Its first recipient's last reach moved; the second leaves first.
	if r, err := s.ReserveReach(c, req("s1", "551100000003", "m7", base.Add(24*time.Hour+2*time.Minute))); err != nil || !r.Granted {
		t.Fatalf("after the oldest left the window: %+v, %v", r, err)
	}
	if used, _, err := s.SenderReach(c, "bp1", "s2", base.Add(10*time.Minute)); err != nil || used != 1 {
		t.Fatalf("s2 reach: %d, %v", used, err)
	}
}

// testWarmups: a warm-up is recorded once by EnsureWarmup, replaced by
// StartWarmup, and a sender without one is ErrNotFound.
func testWarmups(t *testing.T, s store.Store) {
	c := ctx(t)
	if _, err := s.GetWarmup(c, "109"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing warm-up: %v", err)
	}
	w, err := s.EnsureWarmup(c, store.Warmup{PhoneNumberID: "109", StartedAt: base, Reason: "first_seen", UpdatedAt: base})
	must(t, err)
	if !w.StartedAt.Equal(base) || w.Reason != "first_seen" {
		t.Fatalf("ensured = %+v", w)
	}
	w, err = s.EnsureWarmup(c, store.Warmup{PhoneNumberID: "109", StartedAt: base.Add(time.Hour), Reason: "first_seen", UpdatedAt: base.Add(time.Hour)})
	must(t, err)
	if !w.StartedAt.Equal(base) {
		t.Fatalf("ensured again moved it: %+v", w)
	}
	must(t, s.StartWarmup(c, store.Warmup{PhoneNumberID: "109", StartedAt: base.Add(48 * time.Hour), Reason: "restriction_lifted", UpdatedAt: base.Add(48 * time.Hour)}))
	w, err = s.GetWarmup(c, "109")
	must(t, err)
	if !w.StartedAt.Equal(base.Add(48*time.Hour)) || w.Reason != "restriction_lifted" || !w.UpdatedAt.Equal(base.Add(48*time.Hour)) {
		t.Fatalf("restarted = %+v", w)
	}
}

// testReadyAt: an outcome's ReadyAt is kept on the message, and outcomes
// without one leave it alone.
func testReadyAt(t *testing.T, s store.Store) {
	c := ctx(t)
	enqueue(t, s, "p1", base, "m1")
	claim(t, s, "p1", base, 10)
	if m, err := s.GetMessage(c, "m1"); err != nil || !m.ReadyAt.IsZero() {
		t.Fatalf("fresh message ready at %v, %v", m.ReadyAt, err)
	}
	until := base.Add(24 * time.Hour)
	must(t, s.RecordOutcomes(c, []store.Outcome{{MessageID: "m1", State: store.StateQueued, NextAttemptAt: until, ReadyAt: until, At: base}}, nil))
	msgs := claim(t, s, "p1", until, 10)
	if len(msgs) != 1 || !msgs[0].ReadyAt.Equal(until) || !msgs[0].HorizonBase().Equal(until) {
		t.Fatalf("claimed %+v", msgs)
	}
	must(t, s.RecordOutcomes(c, []store.Outcome{{MessageID: "m1", State: store.StateQueued, Attempts: 1, NextAttemptAt: until.Add(time.Second), ErrorCode: 130429, At: until}}, nil))
	m, err := s.GetMessage(c, "m1")
	must(t, err)
	checkTime(t, "ReadyAt after a retry", m.ReadyAt, until)
}
