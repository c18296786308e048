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
