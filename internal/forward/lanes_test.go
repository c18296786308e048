package forward

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/store"
)

func laned(tenant string, n int, lane string) store.Forward {
	f := fw(tenant, "waba-1", fmt.Sprintf(`{"n":%d}`, n), t0)
	f.Lane = lane
	return f
}

// gate is a receiver that holds every POST until released, counting how
// many are in flight at once, and answers code.
type gate struct {
	code    int
	mu      sync.Mutex
	cur     int
	most    int
	posts   int
	release chan struct{}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	g.mu.Lock()
	g.cur++
	g.posts++
	g.most = max(g.most, g.cur)
	g.mu.Unlock()
	<-g.release
	g.mu.Lock()
	g.cur--
	g.mu.Unlock()
	w.WriteHeader(g.code)
}

func (g *gate) inFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cur
}

// TestLanesGoInParallel checks that one tenant's forwards in different
// lanes are posted up to TenantParallel at a time, never more, and that
// forwards without a lane are posted one after the other.
func TestLanesGoInParallel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		lanes    bool
		wantMost int
	}{
		{"different lanes", true, 3},
		{"no lanes", false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newTestStore(t)
			g := &gate{code: http.StatusOK, release: make(chan struct{})}
			srv := httptest.NewServer(g)
			t.Cleanup(srv.Close)
			addTenant(t, st, "a", srv.URL)
			var fws []store.Forward
			for i := range 8 {
				lane := ""
				if tc.lanes {
					lane = fmt.Sprintf("msg:%d", i)
				}
				fws = append(fws, laned("a", i, lane))
			}
			enqueue(t, st, fws...)
			f := newForwarder(st, clocktest.New(t0.Add(time.Second)), Config{TenantParallel: 3})
			result := make(chan error, 1)
			go func() {
				_, err := f.DeliverOnce(t.Context())
				result <- err
			}()
			// Wait (bounded) for the POSTs the forwarder may have in
			// flight at once, then let them all through.
			deadline := time.Now().Add(5 * time.Second)
			for g.inFlight() < tc.wantMost && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			close(g.release)
			if err := <-result; err != nil {
				t.Fatal(err)
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.most != tc.wantMost || g.posts != 8 {
				t.Errorf("%d POSTs, at most %d at once; want 8 and %d", g.posts, g.most, tc.wantMost)
			}
		})
	}
}

// TestFailureStopsFurtherLanes checks that once a POST to a tenant fails,
// no further POST is started in that round: the ones in flight finish, the
// rest are rescheduled untried.
func TestFailureStopsFurtherLanes(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	g := &gate{code: http.StatusServiceUnavailable, release: make(chan struct{})}
	close(g.release)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	addTenant(t, st, "a", srv.URL)
	for i := range 10 {
		enqueue(t, st, laned("a", i, fmt.Sprintf("msg:%d", i)))
	}
	f := newForwarder(st, clocktest.New(t0.Add(time.Second)), Config{TenantParallel: 2})
	n, err := f.DeliverOnce(t.Context())
	if err != nil || n != 10 {
		t.Fatalf("DeliverOnce = %d, %v; want 10 claimed", n, err)
	}
	g.mu.Lock()
	posts := g.posts
	g.mu.Unlock()
	if posts != 2 {
		t.Errorf("%d POSTs after the endpoint failed, want the 2 in flight", posts)
	}
	if c := counts(t, st); c["pending"] != 10 {
		t.Errorf("forwards %v, want all 10 pending", c)
	}
}
