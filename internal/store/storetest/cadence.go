package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// cadenceIntake is an accepted marketing message to waID with the default
// cap (2 per 7 days) and repeat guard (24 h) attached.
func cadenceIntake(id, tenant, waID, cat, hash string, at time.Time, key string) *store.Intake {
	it := &store.Intake{
		Message: &store.Message{ID: id, TenantID: tenant, SenderID: "p1", Input: "+" + waID, WaID: waID, Type: "template",
			Category: cat, Body: []byte("{}"), State: store.StateQueued, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at},
		Decision: store.Decision{TenantID: tenant, SenderID: "p1", MessageID: id, WaID: waID, Outcome: store.OutcomeAllow, CreatedAt: at},
		Cadence: &store.Cadence{TenantID: tenant, WaID: waID, Category: cat, ContentHash: hash, MessageID: id, At: at,
			CapMax: 2, CapSince: at.Add(-7 * 24 * time.Hour), RepeatSince: at.Add(-24 * time.Hour)},
	}
	if key != "" {
		it.Idempotency = &store.Idempotency{TenantID: tenant, Key: key, StatusCode: 200, Response: []byte(`{"ok":1}`), CreatedAt: at}
	}
	return it
}

// testCadence covers the counts CommitIntake keeps for frequency caps and
// the repeat guard: checked inside the commit, earlier intakes of the same
// batch included; a refused intake leaves nothing behind (no message, no
// decision, no idempotency key); other contacts, tenants and categories
// do not count; a replayed key is a replay, not a refusal; RecentSends and
// PruneContactSends; erasure deletes the counts.
func testCadence(t *testing.T, s store.Store) {
	c := ctx(t)
	const ana, bia = "5511911110000", "5511922220000"
	batch := []*store.Intake{
		cadenceIntake("wamid.c1", "t1", ana, "marketing", "h1", base, "k1"),
		cadenceIntake("wamid.c2", "t1", ana, "marketing", "h2", base.Add(time.Minute), ""),
		cadenceIntake("wamid.c3", "t1", ana, "marketing", "h3", base.Add(2*time.Minute), "k3"), // third: over the cap
		cadenceIntake("wamid.c4", "t1", ana, "utility", "h4", base.Add(3*time.Minute), ""),     // another category
		cadenceIntake("wamid.c5", "t1", bia, "marketing", "h1", base.Add(4*time.Minute), ""),   // another contact
		cadenceIntake("wamid.c6", "t2", ana, "marketing", "h1", base.Add(5*time.Minute), ""),   // another tenant
		cadenceIntake("wamid.c7", "t1", bia, "utility", "h1", base.Add(6*time.Minute), ""),     // bia's repeat of h1
		{Decision: store.Decision{TenantID: "t1", SenderID: "p1", WaID: ana, Outcome: store.OutcomeReject, Code: "x", CreatedAt: base}},
	}
	batch[3].Cadence.CapMax = 0 // utility: no cap
	batch[6].Cadence.CapMax = 0
	must(t, s.CommitIntake(c, batch))
	want := []store.CadenceRefusal{"", "", store.CadenceCap, "", "", "", store.CadenceRepeat}
	for i, w := range want {
		if got := batch[i].Cadence.Refused; got != w {
			t.Errorf("intake %d: refused %q, want %q", i+1, got, w)
		}
	}
	_, err := s.GetMessage(c, "wamid.c3")
	wantNotFound(t, "message of a refused intake", err)
	_, err = s.GetIdempotency(c, "t1", "k3")
	wantNotFound(t, "idempotency key of a refused intake", err)
	if _, err := s.GetIdempotency(c, "t1", "k1"); err != nil {
		t.Errorf("idempotency key of an admitted intake: %v", err)
	}
	for id, n := range map[string]int{"wamid.c3": 0, "wamid.c1": 1} {
		decs, err := s.ListDecisions(c, store.DecisionFilter{TenantID: "t1", MessageID: id})
		must(t, err)
		if len(decs) != n {
			t.Errorf("decisions of %s: %d, want %d", id, len(decs), n)
		}
	}

	got, err := s.RecentSends(c, "t1", ana, base.Add(-time.Hour))
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("RecentSends(ana) = %+v, want c1, c2, c4", got)
	}
	for i, id := range []string{"wamid.c1", "wamid.c2", "wamid.c4"} {
		if got[i].MessageID != id || got[i].TenantID != "t1" || got[i].WaID != ana {
			t.Errorf("RecentSends[%d] = %+v, want %s", i, got[i], id)
		}
	}
	checkTime(t, "RecentSends[0].At", got[0].At, base)
	if got[0].Category != "marketing" || got[0].ContentHash != "h1" || got[2].Category != "utility" {
		t.Errorf("RecentSends fields: %+v", got)
	}
	if later, err := s.RecentSends(c, "t1", ana, base.Add(30*time.Second)); err != nil || len(later) != 2 {
		t.Errorf("RecentSends since: %+v, %v", later, err)
	}

	// A later batch counts what the first committed: still capped while
	// the window holds, and the repeat guard ends after its period.
	next := base.Add(25 * time.Hour)
	b2 := []*store.Intake{
		cadenceIntake("wamid.d1", "t1", ana, "marketing", "h9", next, ""),
		cadenceIntake("wamid.d2", "t1", bia, "marketing", "h1", next, ""),
	}
	must(t, s.CommitIntake(c, b2))
	if b2[0].Cadence.Refused != store.CadenceCap || b2[1].Cadence.Refused != "" {
		t.Errorf("second batch: %q %q, want cap and admitted", b2[0].Cadence.Refused, b2[1].Cadence.Refused)
	}
	week := base.Add(7*24*time.Hour + 90*time.Second)
	b3 := []*store.Intake{cadenceIntake("wamid.e1", "t1", ana, "marketing", "h1", week, "")}
	must(t, s.CommitIntake(c, b3))
	if b3[0].Cadence.Refused != "" {
		t.Errorf("a week later one slot is free: %q", b3[0].Cadence.Refused)
	}

	// A replayed key is answered as a replay, whatever the cadence says.
	replay := cadenceIntake("wamid.r1", "t1", ana, "marketing", "h1", week, "k1")
	must(t, s.CommitIntake(c, []*store.Intake{replay}))
	if !replay.Duplicate || replay.Cadence.Refused != "" {
		t.Errorf("replay: duplicate %v refused %q", replay.Duplicate, replay.Cadence.Refused)
	}

	n, err := s.PruneContactSends(c, base.Add(2*time.Minute))
	must(t, err)
	if n != 2 {
		t.Errorf("PruneContactSends removed %d, want 2 (c1, c2)", n)
	}
	rep, err := s.EraseContact(c, "t1", []string{bia}, 131026, week)
	must(t, err)
	if rep.Sends != 2 {
		t.Errorf("erasure deleted %d sends, want 2 (c5, d2; c7 was refused)", rep.Sends)
	}
	if left, err := s.RecentSends(c, "t1", bia, time.Time{}); err != nil || len(left) != 0 {
		t.Errorf("after erasure: %+v, %v", left, err)
	}
}

// testCadenceConcurrent commits for one contact from many goroutines at
// once, each its own transaction (on PostgreSQL its own connection, as two
// replicas would be): exactly the cap is admitted.
func testCadenceConcurrent(t *testing.T, s store.Store) {
	c := ctx(t)
	const who, writers = "5511933330000", 8
	var wg sync.WaitGroup
	its := make([]*store.Intake, writers)
	errs := make([]error, writers)
	for i := range writers {
		its[i] = cadenceIntake(fmt.Sprintf("wamid.x%d", i), "t1", who, "marketing", fmt.Sprintf("hx%d", i), base.Add(time.Duration(i)*time.Millisecond), "")
		wg.Go(func() { errs[i] = s.CommitIntake(c, []*store.Intake{its[i]}) })
	}
	wg.Wait()
	admitted := 0
	for i, it := range its {
		must(t, errs[i])
		if it.Cadence.Refused == "" {
			admitted++
		} else if it.Cadence.Refused != store.CadenceCap {
			t.Errorf("intake %d refused %q", i, it.Cadence.Refused)
		}
	}
	if admitted != 2 {
		t.Fatalf("%d of %d concurrent commits admitted, want the cap of 2", admitted, writers)
	}
	sends, err := s.RecentSends(c, "t1", who, time.Time{})
	must(t, err)
	if len(sends) != 2 {
		t.Fatalf("%d sends recorded, want 2", len(sends))
	}
}
