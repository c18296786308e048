package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// laneForward is forward n of tenant in lane, due at base.
func laneForward(tenant, lane string, n int) store.Forward {
	return store.Forward{TenantID: tenant, WABAID: "w1", Field: "messages", Value: fmt.Appendf(nil, `{"n":%d}`, n),
		CreatedAt: base, NextAttemptAt: base, Lane: lane}
}

func values(fs []store.Forward) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Value))
	}
	return out
}

// testForwardLanes checks that a lane hands out one forward at a time, in
// order, whether the one before it is claimed, waiting for a retry,
// delivered or given up; that lanes are per tenant; and that forwards
// without a lane are not held back.
func testForwardLanes(t *testing.T, s store.Store) {
	c := ctx(t)
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Forwards: []store.Forward{
		laneForward("t1", "msg:a", 1), laneForward("t1", "msg:a", 2), laneForward("t1", "msg:b", 3),
		laneForward("t1", "", 4), laneForward("t1", "", 5), laneForward("t2", "msg:a", 6),
	}}))
	// One from each lane of each tenant; the two without a lane together.
	must(t, s.RecordOutcomes(c, nil, []store.Forward{laneForward("t1", "msg:a", 7)}))
	lease := time.Minute
	now := base.Add(time.Second)
	first, err := s.ClaimForwards(c, now, 100, lease)
	must(t, err)
	checkIDs(t, "first claim", values(first), []string{`{"n":1}`, `{"n":3}`, `{"n":4}`, `{"n":5}`, `{"n":6}`})
	if len(first) != 5 {
		t.FailNow()
	}
	if first[0].Lane != "msg:a" || first[3].Lane != "" {
		t.Errorf("claimed lanes %q and %q, want msg:a and none", first[0].Lane, first[3].Lane)
	}
	byValue := map[string]int64{}
	for _, f := range first {
		byValue[string(f.Value)] = f.ID
	}

	// While n:1 is claimed, then waiting for its retry, n:2 is due but not
	// handed out, even long after.
	got, err := s.ClaimForwards(c, now, 100, lease)
	must(t, err)
	checkIDs(t, "claim while the lane's head is claimed", values(got), nil)
	must(t, s.RetryForwards(c, []store.ForwardRetry{{ID: byValue[`{"n":1}`], Attempts: 1, NextAt: base.Add(time.Hour), LastError: "503"}}))
	must(t, s.CompleteForwards(c, []int64{byValue[`{"n":3}`], byValue[`{"n":4}`], byValue[`{"n":5}`], byValue[`{"n":6}`]}, now))
	got, err = s.ClaimForwards(c, base.Add(30*time.Minute), 100, lease)
	must(t, err)
	checkIDs(t, "claim while the lane's head waits for its retry", values(got), nil)

	// The head comes back first; delivered, the next one follows.
	got, err = s.ClaimForwards(c, base.Add(time.Hour), 100, lease)
	must(t, err)
	checkIDs(t, "claim at the head's retry", values(got), []string{`{"n":1}`})
	if len(got) != 1 {
		t.FailNow()
	}
	must(t, s.CompleteForwards(c, []int64{got[0].ID}, base.Add(time.Hour)))
	got, err = s.ClaimForwards(c, base.Add(time.Hour), 100, lease)
	must(t, err)
	checkIDs(t, "claim after the head was delivered", values(got), []string{`{"n":2}`})
	if len(got) != 1 {
		t.FailNow()
	}
	// Given up, it lets the one after it (queued with send outcomes) go.
	must(t, s.RetryForwards(c, []store.ForwardRetry{{ID: got[0].ID, Attempts: 9, NextAt: base.Add(2 * time.Hour), LastError: "410", GiveUp: true}}))
	got, err = s.ClaimForwards(c, base.Add(time.Hour), 100, lease)
	must(t, err)
	checkIDs(t, "claim after the head was given up", values(got), []string{`{"n":7}`})
}

// testEventKeys checks dedupe of forwards by their event keys: within one
// batch, across batches, through status effects, with several keys per
// forward, and again after the keys are pruned.
func testEventKeys(t *testing.T, s store.Store) {
	c := ctx(t)
	keyed := func(n int, at time.Time, keys ...string) store.Forward {
		f := laneForward("t1", "", n)
		f.CreatedAt, f.NextAttemptAt, f.EventKeys = at, at, keys
		return f
	}
	pending := func(what string, want ...string) {
		t.Helper()
		got, err := s.ClaimForwards(c, base.Add(100*24*time.Hour), 100, time.Minute)
		must(t, err)
		checkIDs(t, what, values(got), want)
		var ids []int64
		for _, f := range got {
			ids = append(ids, f.ID)
		}
		must(t, s.CompleteForwards(c, ids, base))
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Forwards: []store.Forward{
		keyed(1, base, "in:wamid.A"), keyed(2, base, "in:wamid.B"), keyed(3, base, "in:wamid.A"), keyed(4, base),
	}}))
	pending("first batch", `{"n":1}`, `{"n":2}`, `{"n":4}`)

	later := base.Add(time.Hour)
	must(t, s.ApplyWebhooks(c, store.WebhookApply{
		Forwards: []store.Forward{keyed(5, later, "in:wamid.A"), keyed(6, later, "in:wamid.B", "in:wamid.C"), keyed(7, later, "in:wamid.C")},
		Statuses: []store.StatusApply{{Event: store.StatusEvent{MetaID: "wamid.S", Status: "sent", Timestamp: later}}},
		Stage: func(_ context.Context, fresh []bool) (store.Staged, error) {
			// A staged forward is deduplicated by its keys like any other.
			if !slices.Equal(fresh, []bool{true}) {
				t.Errorf("new statuses = %v, want [true]", fresh)
			}
			return store.Staged{Forwards: []store.Forward{keyed(8, later, "in:wamid.B")}}, nil
		},
	}))
	pending("second batch: only what carries a new key", `{"n":6}`)
	must(t, s.RecordOutcomes(c, nil, []store.Forward{keyed(9, later, "in:wamid.A")}))
	pending("send outcomes", nil...)

	// Pruning forgets the keys first seen before the cut, not the later one.
	n, err := s.PruneEventKeys(c, base.Add(time.Minute))
	must(t, err)
	if n != 2 {
		t.Errorf("PruneEventKeys removed %d keys, want 2 (A and B)", n)
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Forwards: []store.Forward{
		keyed(10, later, "in:wamid.A"), keyed(11, later, "in:wamid.C"),
	}}))
	pending("after pruning", `{"n":10}`)
	n, err = s.PruneEventKeys(c, base.Add(-time.Hour))
	must(t, err)
	if n != 0 {
		t.Errorf("PruneEventKeys before every key removed %d, want 0", n)
	}
}

func ptr[T any](v T) *T { return &v }
