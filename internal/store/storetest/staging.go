package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testStageRollsBack checks WebhookApply.Stage: what a stager stages
// commits with the batch, and a stager's error rolls the whole batch back
// (status events, message states, inbound, windows, forwards, event keys,
// settled deliveries), so that the batch runs again with nothing
// half-written.
func testStageRollsBack(t *testing.T, s store.Store) {
	c := ctx(t)
	enqueue(t, s, "p1", base, "m1")
	claim(t, s, "p1", base, 10)
	must(t, s.RecordOutcomes(c, []store.Outcome{{MessageID: "m1", State: store.StateSent, MetaID: "wamid.ST1", Attempts: 1, At: base}}, nil))
	must(t, s.AppendDeliveries(c, []*store.Delivery{{DedupeKey: "stage-1", Body: []byte(`{}`), ReceivedAt: base}}))
	ds, err := s.ClaimDeliveries(c, base, 10, time.Minute)
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("claimed %d deliveries, want 1", len(ds))
	}
	staged := func(n int) store.Forward {
		f := laneForward("t1", "msg:m1", n)
		f.CreatedAt, f.NextAttemptAt, f.EventKeys = base, base, []string{"stage:key"}
		return f
	}
	batch := func(stage func(context.Context, []bool) (store.Staged, error)) store.WebhookApply {
		return store.WebhookApply{
			Statuses: []store.StatusApply{{Event: store.StatusEvent{MessageID: "m1", MetaID: "wamid.ST1", Status: "delivered", Timestamp: base.Add(time.Second)}, State: store.StateDelivered}},
			Inbound:  []store.InboundMessage{{ID: "wamid.STIN", SenderID: "p1", From: "5511988887777", Type: "text", Timestamp: base, Body: []byte(`{}`), ReceivedAt: base}},
			Windows:  []store.Window{{SenderID: "p1", WaID: "5511988887777", At: base}},
			Forwards: []store.Forward{laneForward("t1", "", 1)},
			Done:     []int64{ds[0].ID},
			Stage:    stage,
		}
	}

	boom := errors.New("stager failed")
	err = s.ApplyWebhooks(c, batch(func(context.Context, []bool) (store.Staged, error) {
		// Staged, then failed: nothing of it may remain.
		return store.Staged{Forwards: []store.Forward{staged(2)}}, boom
	}))
	if !errors.Is(err, boom) {
		t.Fatalf("ApplyWebhooks with a failing stager = %v, want it wrapping the stager's error", err)
	}
	evs, err := s.StatusEvents(c, "m1")
	must(t, err)
	if len(evs) != 0 {
		t.Errorf("status events after a failed stage = %+v, want none", evs)
	}
	if m, err := s.GetMessage(c, "m1"); err != nil || m.State != store.StateSent {
		t.Errorf("m1 after a failed stage = %v, %v; want still sent", m.State, err)
	}
	in, err := s.ListInbound(c, "p1", 0)
	must(t, err)
	if len(in) != 0 {
		t.Errorf("inbound after a failed stage = %d messages, want none", len(in))
	}
	if at, err := s.GetWindow(c, "p1", "5511988887777"); err != nil || !at.IsZero() {
		t.Errorf("window after a failed stage = %v, %v; want none", at, err)
	}
	fs, err := s.ClaimForwards(c, base.Add(time.Hour), 100, time.Minute)
	must(t, err)
	checkIDs(t, "forwards after a failed stage", values(fs), nil)
	again, err := s.ClaimDeliveries(c, base.Add(2*time.Minute), 10, time.Minute)
	must(t, err)
	if len(again) != 1 || again[0].ID != ds[0].ID {
		t.Fatalf("delivery after a failed stage claimable again = %+v, want it", again)
	}

	// The batch again, its stager well: every write lands, the staged one
	// included, and the status is reported new (the failed pass recorded
	// nothing).
	must(t, s.ApplyWebhooks(c, batch(func(_ context.Context, fresh []bool) (store.Staged, error) {
		if !slices.Equal(fresh, []bool{true}) {
			t.Errorf("new statuses on the second pass = %v, want [true]", fresh)
		}
		return store.Staged{Forwards: []store.Forward{staged(2)}}, nil
	})))
	evs, err = s.StatusEvents(c, "m1")
	must(t, err)
	if len(evs) != 1 {
		t.Errorf("status events = %+v, want the delivered one", evs)
	}
	if m, err := s.GetMessage(c, "m1"); err != nil || m.State != store.StateDelivered {
		t.Errorf("m1 = %v, %v; want delivered", m.State, err)
	}
	if at, err := s.GetWindow(c, "p1", "5511988887777"); err != nil || at.IsZero() {
		t.Errorf("window = %v, %v; want opened", at, err)
	}
	fs, err = s.ClaimForwards(c, base.Add(time.Hour), 100, time.Minute)
	must(t, err)
	checkIDs(t, "forwards: the batch's, then the staged", values(fs), []string{`{"n":1}`, `{"n":2}`})
	var done []int64
	for _, f := range fs {
		done = append(done, f.ID)
	}
	must(t, s.CompleteForwards(c, done, base.Add(time.Hour)))
	if got, err := s.ClaimDeliveries(c, base.Add(time.Hour), 10, time.Minute); err != nil || len(got) != 0 {
		t.Errorf("delivery still claimable after its batch committed: %+v, %v", got, err)
	}

	// The staged forward's key is remembered now, and the status is old.
	must(t, s.ApplyWebhooks(c, store.WebhookApply{
		Statuses: []store.StatusApply{{Event: store.StatusEvent{MessageID: "m1", MetaID: "wamid.ST1", Status: "delivered", Timestamp: base.Add(time.Second)}, State: store.StateDelivered}},
		Stage: func(_ context.Context, fresh []bool) (store.Staged, error) {
			if !slices.Equal(fresh, []bool{false}) {
				t.Errorf("new statuses for a redelivery = %v, want [false]", fresh)
			}
			return store.Staged{Forwards: []store.Forward{staged(3)}}, nil
		},
	}))
	fs, err = s.ClaimForwards(c, base.Add(2*time.Hour), 100, time.Minute)
	must(t, err)
	checkIDs(t, "forwards after a staged key repeated", values(fs), nil)
}
