package dispatch

import (
	"context"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// TestRestartUnderSameIDReclaimsLeaseAtOnce: a replica restarted under the
// same replica id finds its previous life's sender and liveness leases
// still valid and takes them over at once, without waiting for them to
// expire; its in-flight messages go back to the queue first.
func TestRestartUnderSameIDReclaimsLeaseAtOnce(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	seed(st, c, "0", "1", "2")
	ctx := context.Background()
	// The previous process: it held both leases and had claimed a message.
	for _, name := range []string{leaseName(pnid), replicaLeasePrefix + "a"} {
		if ok, err := st.AcquireLease(ctx, name, "a", c.Now(), time.Hour); err != nil || !ok {
			t.Fatalf("lease %s: %v %v", name, ok, err)
		}
	}
	if _, err := st.ClaimMessages(ctx, pnid, c.Now(), 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	h := start(t, st, c, newUpstream(t, c, nil), nil)
	// The clock does not move: an expiry wait would never end.
	eventually(t, "all sent without waiting for the lease", func() bool { return h.st.count(store.StateSent) == 3 })
}
