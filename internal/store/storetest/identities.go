package storetest

import (
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testIdentities: a BSUID and a wa_id find each other within their tenant
// only; a BSUID seen later with another number moves to it, an older
// sighting does not move it back.
func testIdentities(t *testing.T, s store.Store) {
	c := ctx(t)
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	const bsuid = "BR.1349120865530274"
	must(t, s.PutIdentities(c, []store.Identity{{TenantID: "t1", WaID: "5511987654321", UserID: bsuid, SeenAt: t0}}))
	for _, tc := range []struct{ tenant, id, want string }{
		{"t1", bsuid, "5511987654321"},
		{"t1", "5511987654321", bsuid},
		{"t2", bsuid, ""},
		{"t1", "5511900000000", ""},
		{"t1", "BR.0", ""},
	} {
		got, err := s.LinkedIdentity(c, tc.tenant, tc.id)
		if err != nil || got != tc.want {
			t.Errorf("LinkedIdentity(%s, %s) = %q, %v; want %q", tc.tenant, tc.id, got, err, tc.want)
		}
	}
	must(t, s.PutIdentities(c, []store.Identity{{TenantID: "t1", WaID: "5521998765432", UserID: bsuid, SeenAt: t0.Add(time.Hour)}}))
	must(t, s.PutIdentities(c, []store.Identity{{TenantID: "t1", WaID: "5511987654321", UserID: bsuid, SeenAt: t0.Add(time.Minute)}}))
	if got, _ := s.LinkedIdentity(c, "t1", bsuid); got != "5521998765432" {
		t.Errorf("after a newer number: %q", got)
	}
	must(t, s.PutIdentities(c, nil))
}
