package storetest

import (
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testForwardEntryTime checks that a forward keeps the entry time Meta sent,
// whether it was queued with webhook effects or with send outcomes, and that
// a forward without one reads back as 0.
func testForwardEntryTime(t *testing.T, s store.Store) {
	c := ctx(t)
	fw := func(v string, et int64) store.Forward {
		return store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages", Value: []byte(v), EntryTime: et, CreatedAt: base, NextAttemptAt: base}
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Forwards: []store.Forward{fw(`{"n":1}`, 1764754321), fw(`{"n":2}`, 0)}}))
	must(t, s.RecordOutcomes(c, nil, []store.Forward{fw(`{"n":3}`, 1764754399)}))
	got, err := s.ClaimForwards(c, base.Add(time.Second), 10, time.Minute)
	must(t, err)
	want := map[string]int64{`{"n":1}`: 1764754321, `{"n":2}`: 0, `{"n":3}`: 1764754399}
	if len(got) != len(want) {
		t.Fatalf("claimed %d forwards, want %d", len(got), len(want))
	}
	for _, f := range got {
		if w := want[string(f.Value)]; f.EntryTime != w {
			t.Errorf("forward %s: EntryTime = %d, want %d", f.Value, f.EntryTime, w)
		}
	}
}
