package storetest

import (
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testLastFailedWith pins the read behind the per-user marketing hold: when
// a tenant's latest message to a person (under any of their aliases) failed
// with a given code, after a given time, and nothing of another tenant,
// person or code.
func testLastFailedWith(t *testing.T, s store.Store) {
	c := ctx(t)
	const person, alias, other = "5511987654321", "551187654321", "4915112345678"
	msg := func(id, tenant, waID string) *store.Message {
		m := newMsg(id, tenant, "p1", base)
		m.WaID = waID
		return m
	}
	must(t, s.CommitIntake(c, []*store.Intake{
		accepted(msg("m1", "t1", person)), accepted(msg("m2", "t1", alias)), accepted(msg("m3", "t1", other)),
		accepted(msg("m4", "t2", person)), accepted(msg("m5", "t1", person)),
	}))
	claim(t, s, "p1", base, 10)
	var outs []store.Outcome
	for i, id := range []string{"m1", "m2", "m3", "m4", "m5"} {
		outs = append(outs, store.Outcome{MessageID: id, State: store.StateSent, MetaID: "wamid." + id, Attempts: 1, At: base.Add(time.Duration(i) * time.Millisecond)})
	}
	must(t, s.RecordOutcomes(c, outs, nil))
	fail := func(id string, code int, sec int) store.StatusApply {
		return store.StatusApply{Event: store.StatusEvent{MessageID: id, MetaID: "wamid." + id, Status: "failed",
			Timestamp: base.Add(time.Duration(sec) * time.Second), ErrorCode: code}, State: store.StateFailed}
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Statuses: []store.StatusApply{
		fail("m1", 131049, 10), // the person
		fail("m2", 131049, 20), // the same person under an alias, later
		fail("m3", 131049, 30), // another person
		fail("m4", 131049, 40), // the same person, another tenant
		fail("m5", 131026, 50), // the same person, another code
	}}))
	at := func(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }
	tests := []struct {
		name   string
		tenant string
		waIDs  []string
		code   int
		since  time.Time
		want   time.Time
	}{
		{"one name", "t1", []string{person}, 131049, base, at(10)},
		{"both aliases: the latest", "t1", []string{person, alias}, 131049, base, at(20)},
		{"failure before since", "t1", []string{person}, 131049, at(10), time.Time{}},
		{"another tenant", "t2", []string{person}, 131049, base, at(40)},
		{"another code", "t1", []string{person}, 131026, base, at(50)},
		{"no such failure", "t1", []string{other}, 131050, base, time.Time{}},
		{"unknown tenant", "t3", []string{person}, 131049, base, time.Time{}},
		{"no names", "t1", nil, 131049, base, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.LastFailedWith(c, tc.tenant, tc.waIDs, tc.code, tc.since)
			must(t, err)
			if !got.Equal(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
