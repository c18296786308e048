package limits_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

// The warm-up scenario: one new number of the TIER_2K portfolio, a curve
// of 20, 40 and 80 a day, and 200 queued templates to people who never
// wrote.
var warmCurve = []int{20, 40, 80}

const warmRecipients = 200

func seedWarm(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	if err := st.PutTenant(ctx, store.Tenant{ID: "acme", Name: "Acme", CreatedAt: start}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: pnA, TenantID: "acme", WABAID: wabaA, DisplayPhoneNumber: "15550001",
		ThroughputMPS: 80, AccessToken: tok, State: store.SenderActive}); err != nil {
		t.Fatal(err)
	}
	var items []*store.Intake
	for i := range warmRecipients {
		id, wa := fmt.Sprintf("w%05d", i), fmt.Sprintf("165066%05d", i)
		body := `{"messaging_product":"whatsapp","to":"+` + wa + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
		items = append(items, &store.Intake{
			Message: &store.Message{ID: id, TenantID: "acme", SenderID: pnA, Input: "+" + wa, WaID: wa, Type: "template",
				Category: "utility", Body: []byte(body), State: store.StateQueued, NextAttemptAt: start, CreatedAt: start, UpdatedAt: start},
			Decision: store.Decision{TenantID: "acme", SenderID: pnA, MessageID: id, WaID: wa, Outcome: store.OutcomeAllow, CreatedAt: start},
		})
	}
	if err := st.CommitIntake(ctx, items); err != nil {
		t.Fatal(err)
	}
	// The gateway sees the number for the first time: its warm-up starts.
	q := limits.New(limits.Config{Store: st, Now: func() time.Time { return start }, Logger: slog.New(slog.DiscardHandler),
		Warmup: limits.WarmupConfig{Curve: warmCurve}})
	if err := q.SeeSender(ctx, pnA, start); err != nil {
		t.Fatal(err)
	}
	// Seen again later (a restart's start-up) it keeps its first day.
	if err := q.SeeSender(ctx, pnA, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// runWarm plays the curve day by day on the virtual clock: exactly 20 in
// the first day, a restart of every replica in the middle of the second
// (the warm-up and its counts are in the store), 40 more in the second,
// 80 in the third, and the rest once the warm-up is over; nothing sent
// into a rejection, and the sender page and forecast tell the warm-up.
func runWarm(t *testing.T, w *world, open func() []store.Store) {
	ctx := context.Background()
	warm := limits.WarmupConfig{Curve: warmCurve}
	stores := open()
	var reps []*replica
	startAll := func() {
		reps = reps[:0]
		for i, st := range stores {
			reps = append(reps, startReplicaWith(t, w, st, fmt.Sprintf("replica-%d", i+1), warm))
		}
	}
	stopAll := func() {
		for _, r := range reps {
			r.stop(t)
		}
	}
	state := func(at time.Time) limits.SenderState {
		t.Helper()
		q := limits.New(limits.Config{Store: stores[0], Now: func() time.Time { return at }, Warmup: warm,
			Portfolios: []limits.Portfolio{{ID: portfolio, WABAs: []string{wabaA, wabaB}, Tier: "TIER_2K"}}})
		snd, err := stores[0].GetSender(ctx, pnA)
		if err != nil {
			t.Fatal(err)
		}
		ss, err := q.SenderState(ctx, snd, at)
		if err != nil {
			t.Fatal(err)
		}
		return ss
	}
	startAll()
	// Day 1.
	w.waitSentWarm(t, stores[0], 20)
	ss := state(w.clock.Now())
	if ss.Warmup == nil || ss.Warmup.Day != 1 || ss.Warmup.Allowance != 20 || ss.Warmup.Used != 20 ||
		!ss.Warmup.NextRelease.Equal(start.Add(24*time.Hour)) || !ss.Warmup.Ends.Equal(start.Add(72*time.Hour)) {
		t.Fatalf("day 1 warm-up on the sender page: %+v", ss.Warmup)
	}
	if ss.MessagingLimit.Used != 20 || ss.MessagingLimit.Limit != 2000 {
		t.Fatalf("day 1 portfolio: %+v", ss.MessagingLimit)
	}

	// Day 2: the first day's recipients leave the window and the curve
	// allows 40.
	w.clock.Advance(24*time.Hour + 10*time.Minute)
	w.waitSentWarm(t, stores[0], 60)
	// A restart in the middle of day 2: nothing more leaves.
	stopAll()
	w.clock.Advance(12 * time.Hour)
	stores = open()
	startAll()
	w.waitSentWarm(t, stores[0], 60)
	// Day 3: 80.
	w.clock.Advance(12*time.Hour + 10*time.Minute)
	w.waitSentWarm(t, stores[0], 140)
	ss = state(w.clock.Now())
	if ss.Warmup == nil || ss.Warmup.Day != 3 || ss.Warmup.Allowance != 80 || ss.Warmup.Used != 80 {
		t.Fatalf("day 3 warm-up on the sender page: %+v", ss.Warmup)
	}
	// Over: the rest goes out under the portfolio's limit alone.
	w.clock.Advance(24 * time.Hour)
	w.waitSentWarm(t, stores[0], warmRecipients)
	stopAll()
	if ss := state(w.clock.Now()); ss.Warmup != nil {
		t.Fatalf("warm-up still shown after its last day: %+v", ss.Warmup)
	}
	_, _, rejected := w.delivered(start)
	if rejected != 0 {
		t.Fatalf("%d sent into a rejection", rejected)
	}
	// Per day of the curve, exactly its allowance reached Meta.
	perDay := make([]int, 4)
	for _, r := range w.sim.Sent() {
		perDay[min(int(r.Time.Sub(start)/(24*time.Hour)), 3)]++
	}
	if perDay[0] != 20 || perDay[1] != 40 || perDay[2] != 80 || perDay[3] != 60 {
		t.Fatalf("sent per day %v, want [20 40 80 60]", perDay)
	}
}

// waitSentWarm is waitSent for the warm-up's messages.
func (w *world) waitSentWarm(t testing.TB, st store.Store, want int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	last, lastAt := -1, time.Now()
	for {
		n := len(w.sim.Sent())
		if n > want {
			t.Fatalf("%d messages sent, more than the %d the warm-up allows", n, want)
		}
		if n == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d messages sent (clock %v; %s)", n, want, w.clock.Now().Sub(start), queuedOf(st, "w", warmRecipients))
		}
		// Nudged like waitSent: a retry due a second later is waited for.
		if n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > 500*time.Millisecond {
			w.clock.Advance(time.Second)
			lastAt = time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the deferred ones are asked again and must stay
	n := 0
	for i := range warmRecipients {
		m, err := st.GetMessage(context.Background(), fmt.Sprintf("w%05d", i))
		if err != nil {
			t.Fatal(err)
		}
		if m.State == store.StateSent {
			n++
		}
	}
	if n != want {
		t.Fatalf("%d messages sent, want exactly %d", n, want)
	}
}

// TestWarmupScenarioSQLite: the curve on SQLite, restarted mid-day.
func TestWarmupScenarioSQLite(t *testing.T) {
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "wabaguard.db")
	sealer := storetest.Sealer(t)
	var cur store.Store
	runWarm(t, w, func() []store.Store {
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
			seedWarm(t, cur)
		}
		return []store.Store{cur}
	})
}

// TestWarmupScenarioPostgresTwoReplicas: the curve with two replicas on
// PostgreSQL, both restarted mid-day.
func TestWarmupScenarioPostgresTwoReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	w := newWorld(t)
	sealer := storetest.Sealer(t)
	var cur []store.Store
	runWarm(t, w, func() []store.Store {
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
			seedWarm(t, cur[0])
		}
		return cur
	})
}
