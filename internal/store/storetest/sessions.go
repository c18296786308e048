package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testSessions covers the dashboard's sessions: a round trip, a duplicate
// key refused, expiry by the time asked about, touch moving the expiry,
// delete, and the sweep removing only expired sessions.
func testSessions(t *testing.T, s store.Store) {
	c := ctx(t)
	key := func(tok string) []byte { h := sha256.Sum256([]byte(tok)); return h[:] }
	user := store.Session{KeyHash: key("tok-user"), UserID: "u1", CSRF: "csrf-1", CreatedAt: base, SeenAt: base,
		ExpiresAt: base.Add(30 * time.Minute)}
	anon := store.Session{KeyHash: key("tok-anon"), CSRF: "csrf-2", CreatedAt: base, SeenAt: base,
		ExpiresAt: base.Add(15 * time.Minute)}
	must(t, s.PutSession(c, user))
	must(t, s.PutSession(c, anon))
	if err := s.PutSession(c, store.Session{KeyHash: key("tok-user"), UserID: "u2", CSRF: "other", CreatedAt: base,
		SeenAt: base, ExpiresAt: base.Add(time.Hour)}); !errors.Is(err, store.ErrExists) {
		t.Errorf("PutSession(same key) = %v, want ErrExists", err)
	}

	got, err := s.GetSession(c, key("tok-user"), base.Add(time.Minute))
	must(t, err)
	if !bytes.Equal(got.KeyHash, user.KeyHash) || got.UserID != "u1" || got.CSRF != "csrf-1" ||
		!got.CreatedAt.Equal(base) || !got.SeenAt.Equal(base) || !got.ExpiresAt.Equal(user.ExpiresAt) {
		t.Errorf("GetSession = %+v, want %+v", got, user)
	}
	a, err := s.GetSession(c, key("tok-anon"), base)
	must(t, err)
	if a.UserID != "" || a.CSRF != "csrf-2" {
		t.Errorf("anonymous GetSession = %+v", a)
	}
	wantNotFound(t, "GetSession(unknown)", func() error { _, err := s.GetSession(c, key("nope"), base); return err }())
	wantNotFound(t, "GetSession(at its expiry)", func() error {
		_, err := s.GetSession(c, key("tok-user"), user.ExpiresAt)
		return err
	}())

	// A use moves the expiry: the session lives past its first one.
	seen := base.Add(20 * time.Minute)
	must(t, s.TouchSession(c, key("tok-user"), seen, seen.Add(30*time.Minute)))
	got, err = s.GetSession(c, key("tok-user"), user.ExpiresAt.Add(time.Minute))
	must(t, err)
	if !got.SeenAt.Equal(seen) || !got.ExpiresAt.Equal(seen.Add(30*time.Minute)) || !got.CreatedAt.Equal(base) {
		t.Errorf("after TouchSession: %+v", got)
	}
	wantNotFound(t, "TouchSession(unknown)", s.TouchSession(c, key("nope"), seen, seen))

	// The sweep at base+16m removes the anonymous one only.
	n, err := s.DeleteExpiredSessions(c, base.Add(16*time.Minute))
	must(t, err)
	if n != 1 {
		t.Errorf("DeleteExpiredSessions removed %d, want 1", n)
	}
	wantNotFound(t, "GetSession(swept)", func() error { _, err := s.GetSession(c, key("tok-anon"), base); return err }())
	if _, err := s.GetSession(c, key("tok-user"), base); err != nil {
		t.Errorf("the live session was swept: %v", err)
	}

	must(t, s.DeleteSession(c, key("tok-user")))
	wantNotFound(t, "GetSession(deleted)", func() error { _, err := s.GetSession(c, key("tok-user"), base); return err }())
	must(t, s.DeleteSession(c, key("tok-user"))) // again: no error
}

// testGetUser covers finding a user by id.
func testGetUser(t *testing.T, s store.Store) {
	c := ctx(t)
	u := store.User{ID: "u_1", TenantID: "t1", Email: "ana@acme.example", Role: store.RoleViewer, PasswordHash: "h", CreatedAt: base}
	must(t, s.CreateUser(c, u))
	got, err := s.GetUser(c, "u_1")
	must(t, err)
	if got.ID != u.ID || got.TenantID != "t1" || got.Email != u.Email || got.Role != store.RoleViewer || !got.CreatedAt.Equal(base) {
		t.Errorf("GetUser = %+v, want %+v", got, u)
	}
	wantNotFound(t, "GetUser(unknown)", func() error { _, err := s.GetUser(c, "u_2"); return err }())
}

// testSenderDailyStatusCounts covers a number's chart: only that sender's
// messages, only when the sender is the tenant's.
func testSenderDailyStatusCounts(t *testing.T, s store.Store) {
	c := ctx(t)
	day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	enqueue(t, s, "p1", base, "m1", "m2")
	enqueue(t, s, "p9", base, "m3")
	claim(t, s, "p1", base, 10)
	claim(t, s, "p9", base, 10)
	must(t, s.RecordOutcomes(c, []store.Outcome{
		{MessageID: "m1", State: store.StateSent, MetaID: "wamid.1", Attempts: 1, At: base},
		{MessageID: "m2", State: store.StateFailed, Attempts: 1, ErrorCode: 131026, At: base},
		{MessageID: "m3", State: store.StateSent, MetaID: "wamid.3", Attempts: 1, At: base},
	}, nil))
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Statuses: []store.StatusApply{
		{Event: store.StatusEvent{MessageID: "m1", MetaID: "wamid.1", Status: "sent", Timestamp: base}, State: store.StateSent},
		{Event: store.StatusEvent{MessageID: "m3", MetaID: "wamid.3", Status: "sent", Timestamp: base}, State: store.StateSent},
	}}))
	got, err := s.SenderDailyStatusCounts(c, "t1", "p1", day0)
	must(t, err)
	want := []store.DayCount{{Day: day0, Status: "failed", Count: 1}, {Day: day0, Status: "sent", Count: 1}}
	if len(got) != len(want) {
		t.Fatalf("SenderDailyStatusCounts(p1) = %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Day.Equal(want[i].Day) || got[i].Status != want[i].Status || got[i].Count != want[i].Count {
			t.Errorf("SenderDailyStatusCounts(p1)[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	all, err := s.DailyStatusCounts(c, "t1", day0)
	must(t, err)
	if len(all) != 2 || all[1].Count != 2 {
		t.Errorf("DailyStatusCounts(t1) = %+v, want p1's and p9's sent together", all)
	}
	for _, tc := range []struct{ tenant, sender string }{{"t2", "p1"}, {"t1", "nope"}, {"t1", ""}} {
		none, err := s.SenderDailyStatusCounts(c, tc.tenant, tc.sender, day0)
		must(t, err)
		if len(none) != 0 {
			t.Errorf("SenderDailyStatusCounts(%q, %q) = %+v, want none", tc.tenant, tc.sender, none)
		}
	}
}

// testEventForwards covers a number's timeline: a tenant's forwards about
// one WABA other than messages, newest first, bounded, any state.
func testEventForwards(t *testing.T, s store.Store) {
	c := ctx(t)
	fw := func(tenant, waba, field, value string, at time.Time) store.Forward {
		return store.Forward{TenantID: tenant, WABAID: waba, Field: field, Value: []byte(value), CreatedAt: at, NextAttemptAt: at, EntryTime: at.Unix()}
	}
	must(t, s.RecordOutcomes(c, nil, []store.Forward{
		fw("t1", "w1", "account_update", `{"event":"ACCOUNT_RESTRICTION"}`, base),
		fw("t1", "w1", "messages", `{"statuses":[]}`, base.Add(time.Second)),
		fw("t1", "w2", "account_update", `{"event":"OTHER_WABA"}`, base.Add(2*time.Second)),
		fw("t2", "w1", "account_update", `{"event":"OTHER_TENANT"}`, base.Add(3*time.Second)),
		fw("t1", "w1", "phone_number_quality_update", `{"event":"DOWNGRADE"}`, base.Add(4*time.Second)),
		fw("t1", "w1", "wabaguard_sender_state", `{"event":"SENDER_STOPPED"}`, base.Add(5*time.Second)),
	}))
	// One delivered: it stays on the record.
	claimed, err := s.ClaimForwards(c, base.Add(time.Minute), 100, time.Minute)
	must(t, err)
	if len(claimed) == 0 {
		t.Fatal("no forward claimed")
	}
	must(t, s.CompleteForwards(c, []int64{claimed[0].ID}, base.Add(time.Minute)))

	got, err := s.EventForwards(c, "t1", "w1", nil, 10)
	must(t, err)
	var fields []string
	for _, f := range got {
		fields = append(fields, f.Field)
	}
	want := []string{"wabaguard_sender_state", "phone_number_quality_update", "account_update"}
	if len(got) != len(want) {
		t.Fatalf("EventForwards(t1, w1) = %v, want %v", fields, want)
	}
	for i := range want {
		if got[i].Field != want[i] || got[i].TenantID != "t1" || got[i].WABAID != "w1" {
			t.Errorf("EventForwards[%d] = %s %s %s, want %s", i, got[i].TenantID, got[i].WABAID, got[i].Field, want[i])
		}
	}
	if string(got[2].Value) != `{"event":"ACCOUNT_RESTRICTION"}` || !got[2].CreatedAt.Equal(base) || got[2].EntryTime != base.Unix() {
		t.Errorf("EventForwards oldest = %s at %v entry %d", got[2].Value, got[2].CreatedAt, got[2].EntryTime)
	}
	two, err := s.EventForwards(c, "t1", "w1", nil, 2)
	must(t, err)
	if len(two) != 2 || two[0].Field != "wabaguard_sender_state" {
		t.Errorf("EventForwards(limit 2) = %d forwards", len(two))
	}
	// A list of fields keeps those only; messages stays out even when asked.
	some, err := s.EventForwards(c, "t1", "w1", []string{"account_update", "messages", "wabaguard_sender_state"}, 10)
	must(t, err)
	if len(some) != 2 || some[0].Field != "wabaguard_sender_state" || some[1].Field != "account_update" {
		var fs []string
		for _, f := range some {
			fs = append(fs, f.Field)
		}
		t.Errorf("EventForwards(account_update, messages, wabaguard_sender_state) = %v", fs)
	}
	for _, tc := range []struct {
		tenant, waba string
		limit        int
	}{{"t3", "w1", 10}, {"t2", "w2", 10}, {"t1", "w1", 0}} {
		none, err := s.EventForwards(c, tc.tenant, tc.waba, nil, tc.limit)
		must(t, err)
		if len(none) != 0 {
			t.Errorf("EventForwards(%q, %q, %d) = %d forwards, want none", tc.tenant, tc.waba, tc.limit, len(none))
		}
	}
}
