package forward

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

// TestOneChangePerPostUnlessTheTenantBatches: by default every POST carries
// exactly one change, so a handler that reads entry[0].changes[0] sees all
// of them; a tenant that opted into batching gets fewer POSTs, never more
// than MaxBatch changes in one.
func TestOneChangePerPostUnlessTheTenantBatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		batch     map[string]int
		n         int
		wantPosts int
		wantMax   int
	}{
		{"default", nil, 30, 30, 1},
		{"tenant batches 100", map[string]int{"a": 100}, 30, 1, 30},
		{"tenant batches 7", map[string]int{"a": 7}, 30, 5, 7},
		{"another tenant's choice does not apply", map[string]int{"b": 100}, 30, 30, 1},
		{"capped at MaxBatch", map[string]int{"a": 1000}, 150, 2, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newTestStore(t)
			ep := newEndpoint(t, "secret-a")
			addTenant(t, st, "a", ep.srv.URL)
			var fws []store.Forward
			for i := range tc.n {
				fws = append(fws, fw("a", "waba-1", fmt.Sprintf(`{"statuses":[{"id":"gw.%d","status":"delivered"}]}`, i), t0))
			}
			enqueue(t, st, fws...)
			f := newForwarder(st, clocktest.New(t0), Config{TenantBatch: tc.batch})
			for range tc.n {
				if n, err := f.DeliverOnce(t.Context()); err != nil {
					t.Fatal(err)
				} else if n == 0 {
					break
				}
			}
			if got := ep.postCount(); got != tc.wantPosts {
				t.Errorf("%d POSTs, want %d", got, tc.wantPosts)
			}
			ep.mu.Lock()
			defer ep.mu.Unlock()
			most, total := 0, 0
			for _, p := range ep.posts {
				changes := 0
				for _, e := range p.Entry {
					changes += len(e.Changes)
				}
				most, total = max(most, changes), total+changes
			}
			if most != tc.wantMax || total != tc.n {
				t.Errorf("largest POST has %d changes, %d in all; want %d and %d", most, total, tc.wantMax, tc.n)
			}
		})
	}
}

// BenchmarkForwardBatch measures delivering 300 statuses to one tenant on
// loopback, one change per POST against batches of 100.
func BenchmarkForwardBatch(b *testing.B) {
	for _, size := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("changes_per_post=%d", size), func(b *testing.B) {
			st := sqlitetest.Open(b)
			var posts atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				posts.Add(1)
			}))
			b.Cleanup(srv.Close)
			if err := st.PutTenant(b.Context(), store.Tenant{ID: "a", Name: "a", WebhookURL: srv.URL, WebhookSecret: "s", CreatedAt: t0}); err != nil {
				b.Fatal(err)
			}
			clk := clocktest.New(t0)
			f := newForwarder(st, clk, Config{TenantBatch: map[string]int{"a": size}})
			const events = 300
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				fws := make([]store.Forward, events)
				for i := range fws {
					fws[i] = fw("a", "waba-1", fmt.Sprintf(`{"statuses":[{"id":"gw.%d","status":"delivered","timestamp":"1700000000"}]}`, i), clk.Now())
				}
				if err := st.ApplyWebhooks(b.Context(), store.WebhookApply{Forwards: fws}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for done := 0; done < events; {
					n, err := f.DeliverOnce(b.Context())
					if err != nil || n == 0 {
						b.Fatalf("DeliverOnce = %d, %v", n, err)
					}
					done += n
				}
			}
			b.ReportMetric(float64(posts.Load())/float64(b.N), "posts/op")
		})
	}
}

// BenchmarkForwardStatuses measures delivering sent, delivered and read for
// 300 messages (900 forwards, each message's in its lane) to one tenant
// whose receiver takes 2 ms per POST, one change per POST, with 1, 4 and 8
// POSTs in flight to the tenant.
func BenchmarkForwardStatuses(b *testing.B) {
	for _, parallel := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("tenant_parallel=%d", parallel), func(b *testing.B) {
			st := sqlitetest.Open(b)
			var posts atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				time.Sleep(2 * time.Millisecond)
				posts.Add(1)
			}))
			b.Cleanup(srv.Close)
			if err := st.PutTenant(b.Context(), store.Tenant{ID: "a", Name: "a", WebhookURL: srv.URL, WebhookSecret: "s", CreatedAt: t0}); err != nil {
				b.Fatal(err)
			}
			clk := clocktest.New(t0)
			f := newForwarder(st, clk, Config{TenantParallel: parallel})
			const messages = 300
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				var fws []store.Forward
				for _, status := range []string{"sent", "delivered", "read"} {
					for i := range messages {
						fws = append(fws, statusForward("a", fmt.Sprintf("gw.%d", i), status, clk.Now()))
					}
				}
				if err := st.ApplyWebhooks(b.Context(), store.WebhookApply{Forwards: fws}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for done := 0; done < len(fws); {
					n, err := f.DeliverOnce(b.Context())
					if err != nil || n == 0 {
						b.Fatalf("DeliverOnce = %d, %v", n, err)
					}
					done += n
				}
			}
			b.ReportMetric(float64(posts.Load())/float64(b.N), "posts/op")
		})
	}
}

// statusForward is one status of message id queued for tenant in the
// message's lane, as the webhook processor queues it.
func statusForward(tenant, id, status string, at time.Time) store.Forward {
	f := fw(tenant, "waba-1", fmt.Sprintf(`{"statuses":[{"id":%q,"status":%q,"timestamp":"1700000000"}]}`, id, status), at)
	f.Lane = "msg:" + id
	return f
}
