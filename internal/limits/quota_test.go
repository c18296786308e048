package limits

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

const (
	waba  = "102290129340398"
	pnA   = "106540352242922"
	pnB   = "106540352242923"
	token = "test-token"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func newQuota(t *testing.T, ps ...Portfolio) (*Quota, store.Store) {
	t.Helper()
	st := sqlitetest.Open(t)
	ctx := t.Context()
	if err := st.PutTenant(ctx, store.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []store.Sender{
		{PhoneNumberID: pnA, TenantID: "acme", WABAID: waba, DisplayPhoneNumber: "+1 555-078-3881"},
		{PhoneNumberID: pnB, TenantID: "acme", WABAID: waba, DisplayPhoneNumber: "+1 555-078-3882"},
	} {
		if err := st.PutSender(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return New(Config{Store: st, Portfolios: ps, Now: func() time.Time { return t0 }}), st
}

// signalsOf turns a fixture's webhook body into the signals webhook
// processing emits for its non-message fields.
func signalsOf(t *testing.T, file, name string) []signal.Signal {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]struct {
		Entry []struct {
			ID      string `json:"id"`
			Time    int64  `json:"time"`
			Changes []struct {
				Field string          `json:"field"`
				Value json.RawMessage `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	body, ok := all[name]
	if !ok {
		t.Fatalf("%s has no %s", file, name)
	}
	var out []signal.Signal
	for _, e := range body.Entry {
		for _, c := range e.Changes {
			out = append(out, signal.Signal{Kind: signal.Event, WABAID: e.ID, Field: c.Field, At: t0, Raw: c.Value})
		}
	}
	return out
}

func TestTierAndCaps(t *testing.T) {
	q, _ := newQuota(t,
		Portfolio{ID: "bp1", WABAs: []string{waba}, Tier: "TIER_2K"},
		Portfolio{ID: "bp2", Tier: "TIER_10K", Cap: 500},
		Portfolio{ID: "bp3", Tier: "TIER_FOO", Cap: -3},
		Portfolio{ID: "bp4", Tier: "TIER_2K", Cap: MaxCap + 1},
		Portfolio{ID: "bp5", Tier: "TIER_UNLIMITED", Cap: 7000},
	)
	ctx := t.Context()
	for _, tc := range []struct {
		portfolio, tier string
		limit           int
	}{
		{"bp1", "TIER_2K", 2000},
		{"bp2", "TIER_10K", 500},        // the cap lowers Meta's limit
		{"bp3", "TIER_250", 250},        // unknown tier: the lowest; negative cap ignored
		{"bp4", "TIER_2K", 2000},        // absurd cap ignored
		{"bp5", "TIER_UNLIMITED", 7000}, // a cap bounds even unlimited
		{"unknown", "TIER_250", 250},    // never heard of
	} {
		tier, limit, err := q.Tier(ctx, tc.portfolio)
		if err != nil || tier != tc.tier || limit != tc.limit {
			t.Errorf("Tier(%s) = %s, %d, %v; want %s, %d", tc.portfolio, tier, limit, err, tc.tier, tc.limit)
		}
	}
	if p, err := q.PortfolioOf(ctx, pnA); err != nil || p != "bp1" {
		t.Errorf("PortfolioOf(A) = %q, %v", p, err)
	}
	if p := q.PortfolioOfWABA("999"); p != "waba:999" {
		t.Errorf("a WABA of no portfolio counts alone: %q", p)
	}
	if _, err := q.PortfolioOf(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown sender: %v", err)
	}
}

// TestWebhookUpdates: fixture webhooks move the portfolio's tier and the
// senders' health; an unknown tier falls to TIER_250.
func TestWebhookUpdates(t *testing.T) {
	q, st := newQuota(t, Portfolio{ID: "bp1", WABAs: []string{waba}, Tier: "TIER_2K"})
	ctx := t.Context()
	consume := func(file, name string) {
		t.Helper()
		if err := q.Signals(st).Consume(ctx, signalsOf(t, file, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	tierIs := func(want string, limit int) {
		t.Helper()
		q.mu.Lock()
		clear(q.tiers) // read what the store holds, as another replica would
		q.mu.Unlock()
		if tier, l, err := q.Tier(ctx, "bp1"); err != nil || tier != want || l != limit {
			t.Fatalf("tier %s/%d (%v), want %s/%d", tier, l, err, want, limit)
		}
	}
	consume("testdata/capability.json", "phone_number_quality_update")
	tierIs("TIER_10K", 10000)
	h, err := st.GetSenderHealth(ctx, pnA)
	if err != nil || h.Tier != "TIER_10K" || h.Throughput != "HIGH" || h.PortfolioID != "bp1" {
		t.Fatalf("health of A after the upgrade: %+v, %v", h, err)
	}
	if _, err := st.GetSenderHealth(ctx, pnB); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("B is another display number and must not change: %v", err)
	}
	consume("testdata/capability.json", "phone_number_quality_update_legacy")
	tierIs("TIER_100K", 100000)
	consume("testdata/capability.json", "business_capability_update")
	tierIs("TIER_2K", 2000)
	consume("testdata/capability.json", "business_capability_update_unknown")
	tierIs("TIER_250", 250)
	consume("testdata/capability.json", "account_alerts")
	tierIs("TIER_250", 250)

	consume("testdata/account_update.json", "account_restriction")
	for _, pn := range []string{pnA, pnB} {
		if h, err := st.GetSenderHealth(ctx, pn); err != nil || h.Status != "RESTRICTED" {
			t.Errorf("%s after the restriction: %+v, %v", pn, h, err)
		}
	}
	consume("testdata/account_update.json", "account_disabled") // REINSTATE
	if h, _ := st.GetSenderHealth(ctx, pnB); h.Status != "CONNECTED" {
		t.Errorf("B after reinstatement: %+v", h)
	}
	// Garbage is logged, not fatal, and changes nothing.
	bad := []signal.Signal{{Kind: signal.Event, WABAID: waba, Field: "business_capability_update", At: t0, Raw: json.RawMessage(`[1,2`)}}
	if err := q.Signals(st).Consume(ctx, bad); err != nil {
		t.Errorf("unreadable value: %v", err)
	}
	tierIs("TIER_250", 250)
}

// TestSyncFromSimulator reads the senders through the real client from the
// simulator over loopback.
func TestSyncFromSimulator(t *testing.T) {
	q, st := newQuota(t, Portfolio{ID: "bp1", WABAs: []string{waba}})
	cfg := sim.DefaultConfig()
	cfg.Clock = sim.NewManualClock(t0)
	cfg.AccessTokens = []string{token}
	cfg.Webhooks.Enabled = false
	cfg.Numbers = []sim.Number{
		{PhoneNumberID: pnA, WABAID: waba, BusinessID: "bp1", MessagingLimitTier: "TIER_2K", QualityRating: "YELLOW", ThroughputMPS: 1000},
		{PhoneNumberID: pnB, WABAID: waba, BusinessID: "bp1"},
	}
	sm, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sm.Close)
	srv := httptest.NewServer(sm.Handler())
	t.Cleanup(srv.Close)
	client := cloudapi.New(srv.URL, "v23.0", &http.Client{Timeout: 5 * time.Second})
	senders := func(context.Context) ([]SyncSender, error) {
		return []SyncSender{{PhoneNumberID: pnA, WABAID: waba, Token: token}, {PhoneNumberID: pnB, WABAID: waba, Token: token},
			{PhoneNumberID: "404", WABAID: waba, Token: token}}, nil
	}
	s := NewSyncer(q, client, senders, time.Hour, nil)
	if err := s.SyncAll(t.Context()); err == nil {
		t.Error("an unknown number must be reported")
	}
	h, err := st.GetSenderHealth(t.Context(), pnA)
	if err != nil || h.Quality != "YELLOW" || h.Throughput != "HIGH" || h.Tier != "TIER_2K" || h.Health != "AVAILABLE" || h.Status != "CONNECTED" {
		t.Fatalf("health of A: %+v, %v", h, err)
	}
	if tier, limit, _ := q.Tier(t.Context(), "bp1"); tier != "TIER_2K" || limit != 2000 {
		t.Errorf("portfolio tier %s/%d", tier, limit)
	}
}

// countingStore counts the portfolio counts the quota asks the store for.
type countingStore struct {
	Store
	reads int
}

func (c *countingStore) PortfolioReach(ctx context.Context, portfolioID, waID string, now time.Time) (store.Reach, error) {
	c.reads++
	return c.Store.PortfolioReach(ctx, portfolioID, waID, now)
}

// TestFactsCountFromMemory: the messaging-limit rule's facts count the
// portfolio at most once per reachTTL while it has room, exactly (with the
// recipient's own row) once it looks full, and not at all when it is
// unlimited — a reservation elsewhere (another replica) shows within
// reachTTL.
func TestFactsCountFromMemory(t *testing.T) {
	ctx := t.Context()
	_, st := newQuota(t)
	cs := &countingStore{Store: st}
	q := New(Config{Store: cs, Portfolios: []Portfolio{{ID: "p1", WABAs: []string{waba}, Tier: "TIER_250"}},
		Now: func() time.Time { return t0 }})
	elsewhere := func(at time.Time, from, to int) {
		t.Helper()
		var rs []store.ReachRequest
		for i := from; i < to; i++ {
			rs = append(rs, store.ReachRequest{PortfolioID: "p1", WaID: fmt.Sprintf("55119%08d", i), MessageID: fmt.Sprintf("m%d", i), Limit: 250, Now: at})
		}
		if _, err := st.ReserveReaches(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(at time.Duration, who string) *policy.QuotaFacts {
		t.Helper()
		f, err := q.Facts(ctx, pnA, who, t0.Add(at))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}

	// This replica's own reservation leaves the count in memory.
	if _, err := q.ReserveBatch(ctx, pnA, []Ask{{WaID: "5511900000001", MessageID: "a1"}, {WaID: "5511900000002", MessageID: "a2"}, {WaID: "5511900000003", MessageID: "a3"}}, t0); err != nil {
		t.Fatal(err)
	}
	elsewhere(t0.Add(10*time.Millisecond), 100, 102)
	steps := []struct {
		at          time.Duration
		who         string
		used, reads int
		counted     bool
	}{
		{100 * time.Millisecond, "5511999999999", 3, 0, false},    // from the reservation
		{900 * time.Millisecond, "5511999999999", 3, 0, false},    // still within reachTTL
		{time.Second, "5511999999999", 5, 1, false},               // read again: the other replica's two
		{1500 * time.Millisecond, "5511999999999", 5, 1, false},   // from memory
		{2100 * time.Millisecond, "5511900000001", 250, 2, true},  // full (see below): read, with the recipient
		{2200 * time.Millisecond, "5511999999999", 250, 3, false}, // full: read every time, exactly
		{2300 * time.Millisecond, fmt.Sprintf("55119%08d", 150), 250, 4, true},
	}
	for _, s := range steps {
		if s.at == 2100*time.Millisecond {
			elsewhere(t0.Add(2*time.Second), 102, 347)
		}
		f := ask(s.at, s.who)
		if f.Used != s.used || cs.reads != s.reads || f.Counted != s.counted || f.Limit != 250 {
			t.Fatalf("at +%v for %s: used %d, counted %v, limit %d after %d store reads; want used %d, counted %v, limit 250 after %d",
				s.at, s.who, f.Used, f.Counted, f.Limit, cs.reads, s.used, s.counted, s.reads)
		}
	}
	if f := ask(2400*time.Millisecond, "5511999999999"); f.NextRelease.IsZero() || !f.NextRelease.Equal(t0.Add(store.ReachWindow)) {
		t.Errorf("next release %v, want %v (the first reservation's 24 hours)", f.NextRelease, t0.Add(store.ReachWindow))
	}

	// An unlimited portfolio is not counted for the rule.
	u := New(Config{Store: cs, Portfolios: []Portfolio{{ID: "p1", WABAs: []string{waba}, Tier: "TIER_UNLIMITED"}}, Now: func() time.Time { return t0 }})
	before := cs.reads
	for i := range 5 {
		f, err := u.Facts(ctx, pnA, "5511999999999", t0.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if f.Limit >= 0 {
			t.Fatalf("limit %d, want unlimited", f.Limit)
		}
	}
	if cs.reads != before {
		t.Errorf("an unlimited portfolio was counted %d times", cs.reads-before)
	}
}
