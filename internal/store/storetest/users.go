package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testUsers covers the dashboard's users: a round trip of every field, the
// email being unique across tenants, lookups of unknown emails, and
// listing per tenant.
func testUsers(t *testing.T, s store.Store) {
	c := ctx(t)
	alice := store.User{ID: "u1", TenantID: "t1", Email: "alice@example.com", Role: store.RoleAdmin,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", CreatedAt: base}
	bob := store.User{ID: "u2", TenantID: "t2", Email: "bob@example.com", Role: store.RoleViewer,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdDI$aGFzaDI", CreatedAt: base.Add(time.Minute)}
	carol := store.User{ID: "u3", TenantID: "t1", Email: "carol@example.com", Role: store.RoleViewer,
		PasswordHash: "x", CreatedAt: base.Add(2 * time.Minute)}
	for _, u := range []store.User{alice, bob, carol} {
		must(t, s.CreateUser(c, u))
	}

	got, err := s.UserByEmail(c, "alice@example.com")
	must(t, err)
	checkTime(t, "CreatedAt", got.CreatedAt, alice.CreatedAt)
	got.CreatedAt = alice.CreatedAt
	if got != alice {
		t.Errorf("UserByEmail = %+v, want %+v", got, alice)
	}
	_, err = s.UserByEmail(c, "nobody@example.com")
	wantNotFound(t, "UserByEmail(unknown)", err)

	dup := []struct {
		name string
		u    store.User
	}{
		{"same email in another tenant", store.User{ID: "u9", TenantID: "t2", Email: "alice@example.com", Role: store.RoleViewer, PasswordHash: "y", CreatedAt: base}},
		{"same id", store.User{ID: "u1", TenantID: "t1", Email: "dave@example.com", Role: store.RoleViewer, PasswordHash: "y", CreatedAt: base}},
	}
	for _, tc := range dup {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateUser(c, tc.u); !errors.Is(err, store.ErrExists) {
				t.Errorf("CreateUser = %v, want ErrExists", err)
			}
		})
	}
	// The refused duplicates changed nothing.
	got, err = s.UserByEmail(c, "alice@example.com")
	must(t, err)
	if got.TenantID != "t1" || got.PasswordHash != alice.PasswordHash {
		t.Errorf("after refused duplicates alice = %+v", got)
	}

	lists := []struct {
		tenant string
		want   []string
	}{
		{"t1", []string{"alice@example.com", "carol@example.com"}},
		{"t2", []string{"bob@example.com"}},
		{"t3", nil},
		{"", []string{"alice@example.com", "carol@example.com", "bob@example.com"}},
	}
	for _, tc := range lists {
		t.Run("list "+tc.tenant, func(t *testing.T) {
			us, err := s.ListUsers(c, tc.tenant)
			must(t, err)
			var emails []string
			for _, u := range us {
				emails = append(emails, u.Email)
			}
			if fmt.Sprint(emails) != fmt.Sprint(tc.want) {
				t.Errorf("ListUsers(%q) = %v, want %v", tc.tenant, emails, tc.want)
			}
		})
	}
}

// testDailyStatusCounts covers the overview's chart: status events bucketed
// by UTC day, only the tenant's, only from since on, and messages the
// gateway failed without Meta counted as failed.
func testDailyStatusCounts(t *testing.T, s store.Store) {
	c := ctx(t)
	day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	day1 := day0.Add(24 * time.Hour)
	enqueue(t, s, "p1", base, "m1", "m2", "m3", "m4")
	other := newMsg("x1", "t2", "p2", base)
	must(t, s.CommitIntake(c, []*store.Intake{accepted(other)}))
	claim(t, s, "p1", base, 10)
	claim(t, s, "p2", base, 10)
	must(t, s.RecordOutcomes(c, []store.Outcome{
		{MessageID: "m1", State: store.StateSent, MetaID: "wamid.1", Attempts: 1, At: base},
		{MessageID: "m2", State: store.StateSent, MetaID: "wamid.2", Attempts: 1, At: base},
		{MessageID: "m3", State: store.StateSent, MetaID: "wamid.3", Attempts: 1, At: base},
		{MessageID: "m4", State: store.StateFailed, Attempts: 1, ErrorCode: 131026, At: day1.Add(time.Hour)},
		{MessageID: "x1", State: store.StateSent, MetaID: "wamid.x", Attempts: 1, At: base},
	}, nil))
	ev := func(msg, meta, status string, state store.MessageState, at time.Time) store.StatusApply {
		return store.StatusApply{Event: store.StatusEvent{MessageID: msg, MetaID: meta, Status: status, Timestamp: at}, State: state}
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Statuses: []store.StatusApply{
		ev("m1", "wamid.1", "sent", store.StateSent, day0.Add(-time.Hour)), // before since
		ev("m1", "wamid.1", "delivered", store.StateDelivered, day0.Add(10*time.Hour)),
		ev("m2", "wamid.2", "sent", store.StateSent, day0.Add(10*time.Hour)),
		ev("m2", "wamid.2", "delivered", store.StateDelivered, day0.Add(23*time.Hour+59*time.Minute)),
		ev("m2", "wamid.2", "read", store.StateRead, day1.Add(time.Minute)),
		ev("m3", "wamid.3", "failed", store.StateFailed, day1.Add(2*time.Hour)),
		ev("x1", "wamid.x", "sent", store.StateSent, day0.Add(time.Hour)), // another tenant's
	}}))
	got, err := s.DailyStatusCounts(c, "t1", day0)
	must(t, err)
	want := []store.DayCount{
		{Day: day0, Status: "delivered", Count: 2}, {Day: day0, Status: "sent", Count: 1},
		{Day: day1, Status: "failed", Count: 2}, {Day: day1, Status: "read", Count: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("DailyStatusCounts = %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Day.Equal(want[i].Day) || got[i].Status != want[i].Status || got[i].Count != want[i].Count {
			t.Errorf("DailyStatusCounts[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	none, err := s.DailyStatusCounts(c, "t3", day0)
	must(t, err)
	if len(none) != 0 {
		t.Errorf("DailyStatusCounts(unknown tenant) = %+v, want none", none)
	}
}
