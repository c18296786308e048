package storetest

import (
	"errors"
	"testing"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testWABAOwnedByOneTenant pins that a WABA belongs to one tenant: a sender
// cannot join a WABA whose other senders belong to another tenant, while
// re-writing, adding to or moving the WABA's only sender stays allowed.
func testWABAOwnedByOneTenant(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, id := range []string{"t1", "t2"} {
		if err := s.PutTenant(ctx, store.Tenant{ID: id, Name: id, CreatedAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	put := func(pnid, tenant, waba string) error {
		return s.PutSender(ctx, store.Sender{PhoneNumberID: pnid, TenantID: tenant, WABAID: waba, State: store.SenderActive})
	}
	steps := []struct {
		name               string
		pnid, tenant, waba string
		owner              string // non-empty: refused, naming this owner
	}{
		{"first sender claims the WABA", "p1", "t1", "w1", ""},
		{"same tenant adds a sender", "p2", "t1", "w1", ""},
		{"same sender written again", "p1", "t1", "w1", ""},
		{"another tenant's new sender refused", "p3", "t2", "w1", "t1"},
		{"moving one of two senders refused", "p2", "t2", "w1", "t1"},
		{"another tenant's own WABA", "p4", "t2", "w2", ""},
		{"first tenant cannot join it", "p5", "t1", "w2", "t2"},
		{"a WABA's only sender may move tenant", "p4", "t1", "w2", ""},
	}
	for _, st := range steps {
		err := put(st.pnid, st.tenant, st.waba)
		if st.owner == "" {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			continue
		}
		if !errors.Is(err, store.ErrWABAOwned) {
			t.Fatalf("%s: err = %v, want ErrWABAOwned", st.name, err)
		}
		var oe *store.WABAOwnerError
		if !errors.As(err, &oe) || oe.Owner != st.owner || oe.WABAID != st.waba || oe.Tenant != st.tenant || oe.PhoneNumberID != st.pnid {
			t.Fatalf("%s: err = %#v, want owner %s of %s", st.name, err, st.owner, st.waba)
		}
	}
	// A refused write changed nothing.
	if _, err := s.GetSender(ctx, "p3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("refused sender p3 stored: %v", err)
	}
	if got, err := s.GetSender(ctx, "p2"); err != nil || got.TenantID != "t1" {
		t.Fatalf("p2 after refused move: %+v %v", got, err)
	}
	if got, err := s.GetSender(ctx, "p4"); err != nil || got.TenantID != "t1" {
		t.Fatalf("p4 after move: %+v %v", got, err)
	}
}
