package limits_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// The scenario: a business portfolio at TIER_2K with two numbers (in two
// WABAs) and 5,000 recipients of a template, none of whom wrote to the
// business.
const (
	portfolio  = "506914307656634"
	pnA, pnB   = "106540352242922", "106540352242923"
	wabaA      = "102290129340398"
	wabaB      = "102290129340399"
	recipients = 5000
	tok        = "scenario-token"
)

var start = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// world is the simulator on a virtual clock, served over loopback.
type world struct {
	clock  *sim.ManualClock
	sim    *sim.Sim
	client *cloudapi.Client
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{clock: sim.NewManualClock(start)}
	cfg := sim.DefaultConfig()
	cfg.Clock = w.clock
	cfg.AccessTokens = []string{tok}
	cfg.Webhooks.Enabled = false
	cfg.Limits = sim.LimitsConfig{Throughput: true, PairRate: true, MessagingLimit: true, ServiceWindow: true}
	cfg.Numbers = []sim.Number{
		{PhoneNumberID: pnA, WABAID: wabaA, BusinessID: portfolio, MessagingLimitTier: "TIER_2K"},
		{PhoneNumberID: pnB, WABAID: wabaB, BusinessID: portfolio, MessagingLimitTier: "TIER_2K"},
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	w.sim = s
	w.client = cloudapi.New(srv.URL, "v23.0", &http.Client{Timeout: 10 * time.Second})
	return w
}

// sleep advances the virtual clock: the dispatcher's pacing waits cost no
// wall time.
func (w *world) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.clock.Advance(d)
	return nil
}

// seed stores the tenant, its two senders and the 5,000 queued templates,
// half from each number.
func seed(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	if err := st.PutTenant(ctx, store.Tenant{ID: "acme", Name: "Acme", CreatedAt: start}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []store.Sender{
		{PhoneNumberID: pnA, TenantID: "acme", WABAID: wabaA, DisplayPhoneNumber: "15550001", ThroughputMPS: 80, AccessToken: tok, State: store.SenderActive},
		{PhoneNumberID: pnB, TenantID: "acme", WABAID: wabaB, DisplayPhoneNumber: "15550002", ThroughputMPS: 80, AccessToken: tok, State: store.SenderActive},
	} {
		if err := st.PutSender(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for lo := 0; lo < recipients; lo += 500 {
		var items []*store.Intake
		for i := lo; i < lo+500; i++ {
			id, wa := fmt.Sprintf("m%05d", i), fmt.Sprintf("165055%05d", i)
			sender := pnA
			if i%2 == 1 {
				sender = pnB
			}
			body := `{"messaging_product":"whatsapp","to":"+` + wa + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
			items = append(items, &store.Intake{
				Message: &store.Message{ID: id, TenantID: "acme", SenderID: sender, Input: "+" + wa, WaID: wa, Type: "template",
					Category: "utility", Body: []byte(body), State: store.StateQueued, NextAttemptAt: start, CreatedAt: start, UpdatedAt: start},
				Decision: store.Decision{TenantID: "acme", SenderID: sender, MessageID: id, WaID: wa, Outcome: store.OutcomeAllow, CreatedAt: start},
			})
		}
		if err := st.CommitIntake(ctx, items); err != nil {
			t.Fatal(err)
		}
	}
}

// stage adapts the intake's send-time stage to the dispatcher, as the
// server does: a whole claim's slots in one reservation.
type stage struct{ st *intake.SendTime }

func (s stage) CheckSend(ctx context.Context, msg *store.Message, now time.Time) (*dispatch.LateRefusal, error) {
	late, err := s.st.Check(ctx, msg, now)
	return lateRefusal(late), err
}

func (s stage) CheckSends(ctx context.Context, msgs []store.Message, now time.Time) ([]*dispatch.LateRefusal, []error) {
	ptrs := make([]*store.Message, len(msgs))
	for i := range msgs {
		ptrs[i] = &msgs[i]
	}
	lates, errs := s.st.CheckBatch(ctx, ptrs, now)
	out := make([]*dispatch.LateRefusal, len(lates))
	for i, l := range lates {
		out[i] = lateRefusal(l)
	}
	return out, errs
}

func (s stage) RecheckSend(ctx context.Context, msg *store.Message, now time.Time) (*dispatch.LateRefusal, error) {
	late, err := s.st.Recheck(ctx, msg, now)
	return lateRefusal(late), err
}

func (s stage) ReleaseSend(ctx context.Context, msg *store.Message) error {
	return s.st.Release(ctx, msg)
}

func lateRefusal(late *intake.Late) *dispatch.LateRefusal {
	if late == nil {
		return nil
	}
	return &dispatch.LateRefusal{Code: late.Decision.Code, Status: late.Status, Until: late.Until}
}

// replica is one gateway process: its own quota, facts and dispatcher on
// a shared store.
type replica struct {
	cancel context.CancelFunc
	done   chan error
}

func startReplica(t testing.TB, w *world, st store.Store, owner string) *replica {
	t.Helper()
	return startReplicaWith(t, w, st, owner, limits.WarmupConfig{})
}

// startReplicaWith starts a replica whose quota has the warm-up curve warm.
func startReplicaWith(t testing.TB, w *world, st store.Store, owner string, warm limits.WarmupConfig) *replica {
	t.Helper()
	q := limits.New(limits.Config{Store: st, Now: w.clock.Now, Logger: slog.New(slog.DiscardHandler), Warmup: warm,
		Portfolios: []limits.Portfolio{{ID: portfolio, WABAs: []string{wabaA, wabaB}, Tier: "TIER_2K"}}})
	facts := intake.NewFacts(intake.FactsConfig{Consent: consent.New(st), Windows: st, Quota: q, Now: w.clock.Now})
	rules := policy.New(policy.Suppression{}, policy.MessagingLimit{})
	sendTime := intake.NewSendTime(facts, func(string) *policy.Pipeline { return rules }).WithQuota(q)
	m := dispatch.New(st, w.client, dispatch.Config{Owner: owner, Now: w.clock.Now, Sleep: w.sleep,
		PollInterval: 5 * time.Millisecond, FlushDelay: time.Millisecond, ClaimLinger: -1, LeaseTTL: 30 * 24 * time.Hour,
		// The default retry horizons: they count from the end of a
		// message's deferral, so one the limit held for two days still has
		// all of them when it goes.
		SendTime: stage{sendTime}, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- m.Run(ctx) }()
	return r
}

func (r *replica) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	if err := <-r.done; err != nil {
		t.Errorf("dispatcher: %v", err)
	}
}

// delivered counts what the simulator accepted and did not fail, and what
// it failed for the messaging limit (a send into a rejection).
func (w *world) delivered(before time.Time) (ok, okBefore, rejected int) {
	seen := map[string]bool{}
	for _, r := range w.sim.Sent() {
		if r.FailCode == wire.CodeSpamRateLimit {
			rejected++
		}
		if r.FailCode != 0 || seen[r.WaID] {
			continue
		}
		seen[r.WaID] = true
		ok++
		if r.Time.Before(before) {
			okBefore++
		}
	}
	return ok, okBefore, rejected
}

// waitSent waits (wall time, bounded) until want messages reached the
// simulator, then a little more to see that no more leave. The bound is
// generous: under the race detector on a busy machine 2,000 sends, each
// with its send-time facts read from the store, take minutes.
//
// The virtual clock moves only when a dispatcher sleeps on it. Replicas
// share it, so one replica's waits move the other's bucket on, and a send
// can meet a 130429 from the simulator; its retry is due a second later,
// which nobody waits for once the rest is sent. When nothing has left for
// a while the clock is nudged by a second: minutes of nudges are far from
// the next window, so they free no slot.
func (w *world) waitSent(t testing.TB, st store.Store, want int) {
	t.Helper()
	began := time.Now()
	deadline := began.Add(5 * time.Minute)
	last, lastAt := -1, time.Now()
	for {
		n := len(w.sim.Sent())
		if n > want {
			t.Fatalf("%d messages sent, more than the %d the limit allows", n, want)
		}
		if n == want {
			t.Logf("%d sent after %v of wall time (clock %v)", want, time.Since(began), w.clock.Now().Sub(start))
			break
		}
		if time.Now().After(deadline) {
			depth, _ := st.QueueDepth(context.Background())
			t.Fatalf("only %d of %d messages sent (queued: %v, clock %v; %s)", n, want, depth, w.clock.Now().Sub(start), queuedOf(st, "m", recipients))
		}
		if n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > 500*time.Millisecond {
			w.clock.Advance(time.Second)
			lastAt = time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the deferred ones are asked again and must stay
	if n := countSent(t, st); n != want {
		t.Fatalf("%d messages sent, want exactly %d", n, want)
	}
}

// queuedOf describes the messages among prefix00000… that were not sent,
// for a failure's message.
func queuedOf(st store.Store, prefix string, n int) string {
	out := ""
	for i := range n {
		m, err := st.GetMessage(context.Background(), fmt.Sprintf("%s%05d", prefix, i))
		if err != nil || m.State == store.StateSent {
			continue
		}
		if len(out) > 900 {
			return out + " …"
		}
		out += fmt.Sprintf("%s %s next %v code %d attempts %d ready %v; ", m.ID, m.State, m.NextAttemptAt.Sub(start), m.ErrorCode, m.Attempts, m.ReadyAt)
	}
	return out
}

func countSent(t testing.TB, st store.Store) int {
	t.Helper()
	n := 0
	for i := range recipients {
		m, err := st.GetMessage(context.Background(), fmt.Sprintf("m%05d", i))
		if err != nil {
			t.Fatal(err)
		}
		if m.State == store.StateSent {
			n++
		}
	}
	return n
}

// run plays the scenario: the first window, a restart of every replica in
// the middle of it (nothing more leaves), then the next two windows.
func run(t *testing.T, w *world, open func() []store.Store) {
	stores := open()
	var reps []*replica
	startAll := func() {
		reps = reps[:0]
		for i, st := range stores {
			reps = append(reps, startReplica(t, w, st, fmt.Sprintf("replica-%d", i+1)))
		}
	}
	stopAll := func() {
		for _, r := range reps {
			r.stop(t)
		}
	}
	startAll()
	w.waitSent(t, stores[0], 2000)
	ok, first, rejected := w.delivered(start.Add(24 * time.Hour))
	if ok != 2000 || first != 2000 || rejected != 0 {
		t.Fatalf("first window: %d reached (%d in the first 24 h), %d sent into a rejection; want 2000, 2000, 0", ok, first, rejected)
	}
	u, err := limits.New(limits.Config{Store: stores[0],
		Portfolios: []limits.Portfolio{{ID: portfolio, WABAs: []string{wabaA}, Tier: "TIER_2K"}}}).Usage(context.Background(), portfolio, w.clock.Now())
	if err != nil || u.Used != 2000 || u.Limit != 2000 || u.NextRelease.Before(start.Add(24*time.Hour)) {
		t.Fatalf("usage after the first window: %+v, %v", u, err)
	}

	// A restart in the middle of the window: the count is in the store.
	stopAll()
	w.clock.Advance(12 * time.Hour)
	stores = open()
	startAll()
	w.waitSent(t, stores[0], 2000)

	// The window moves: the next 2,000, then the last 1,000.
	w.clock.Advance(12*time.Hour + 10*time.Minute)
	w.waitSent(t, stores[0], 4000)
	w.clock.Advance(24*time.Hour + 10*time.Minute)
	w.waitSent(t, stores[0], recipients)
	stopAll()
	ok, first, rejected = w.delivered(start.Add(24 * time.Hour))
	if ok != recipients || first != 2000 || rejected != 0 {
		t.Fatalf("in all: %d reached (%d in the first 24 h), %d sent into a rejection; want %d, 2000, 0", ok, first, rejected, recipients)
	}
}

// TestTier2KScenarioSQLite: one replica on SQLite, restarted mid-window.
func TestTier2KScenarioSQLite(t *testing.T) {
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "wabaguard.db")
	sealer := storetest.Sealer(t) // the same key across the restart
	var cur store.Store
	run(t, w, func() []store.Store {
		first := cur == nil
		if !first {
			_ = cur.Close()
		}
		st, err := sqlite.Open(context.Background(), path, sealer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		cur = st
		if first {
			seed(t, cur)
		}
		return []store.Store{cur}
	})
}

// TestTier2KScenarioPostgresTwoReplicas: two replicas, each with its own
// connection pool, quota and dispatcher, share one portfolio on
// PostgreSQL; both restart mid-window.
func TestTier2KScenarioPostgresTwoReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	w := newWorld(t)
	sealer := storetest.Sealer(t)
	var cur []store.Store
	run(t, w, func() []store.Store {
		first := cur == nil
		for _, st := range cur {
			_ = st.Close()
		}
		cur = nil
		for range 2 {
			st, err := postgres.Open(context.Background(), dsn, sealer)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			cur = append(cur, st)
		}
		if first {
			seed(t, cur[0])
		}
		return cur
	})
}
