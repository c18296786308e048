package forward

import (
	"context"
	"encoding/json"
	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

type testStore interface {
	Store
	PutTenant(ctx context.Context, t store.Tenant) error
	ApplyWebhooks(ctx context.Context, a store.WebhookApply) error
	ForwardCounts(ctx context.Context) (map[string]int, error)
}

func newTestStore(t *testing.T) testStore { return sqlitetest.Open(t) }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// endpoint is a tenant's webhook receiver that checks every signature and
// answers with the scripted statuses (200 once the script runs out).
type endpoint struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	script []int
	posts  []wire.Notification
	bodies [][]byte // the exact bytes of each accepted post
	bad    int
	srv    *httptest.Server
}

func newEndpoint(t *testing.T, secret string, script ...int) *endpoint {
	e := &endpoint{t: t, secret: secret, script: script}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		defer e.mu.Unlock()
		if !wire.VerifySignature([]byte(e.secret), body, r.Header.Get(wire.SignatureHeader)) || r.Header.Get("Content-Type") != "application/json" {
			e.bad++
			w.WriteHeader(http.StatusForbidden)
			return
		}
		var n wire.Notification
		if err := json.Unmarshal(body, &n); err != nil {
			e.bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		code := http.StatusOK
		if len(e.script) > 0 {
			code, e.script = e.script[0], e.script[1:]
		}
		if code == http.StatusOK {
			e.posts = append(e.posts, n)
			e.bodies = append(e.bodies, body)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// values returns every change value received, in order.
func (e *endpoint) values() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, n := range e.posts {
		for _, en := range n.Entry {
			for _, c := range en.Changes {
				out = append(out, en.ID+"/"+c.Field+"/"+string(c.Value))
			}
		}
	}
	return out
}

func (e *endpoint) postCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.posts)
}

func addTenant(t *testing.T, st testStore, id, url string) {
	t.Helper()
	if err := st.PutTenant(t.Context(), store.Tenant{ID: id, Name: id, WebhookURL: url, WebhookSecret: "secret-" + id, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

func enqueue(t *testing.T, st testStore, fws ...store.Forward) {
	t.Helper()
	if err := st.ApplyWebhooks(t.Context(), store.WebhookApply{Forwards: fws}); err != nil {
		t.Fatal(err)
	}
}

func fw(tenant, waba, value string, created time.Time) store.Forward {
	return store.Forward{TenantID: tenant, WABAID: waba, Field: "messages", Value: []byte(value), CreatedAt: created, NextAttemptAt: created}
}

func counts(t *testing.T, st testStore) map[string]int {
	t.Helper()
	c, err := st.ForwardCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newForwarder returns a forwarder whose destination policy allows
// loopback, where the tests' receivers listen.
func newForwarder(st testStore, clk *clocktest.Manual, cfg Config) *Forwarder {
	cfg.Destinations.AllowLoopback = true
	cfg.Now = clk.Now
	cfg.Metrics = metrics.NewForTest()
	return New(st, cfg)
}

func TestDeliversSignedEnvelopeGroupedByWABA(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	ep := newEndpoint(t, "secret-a")
	addTenant(t, st, "a", ep.srv.URL)
	enqueue(t, st,
		fw("a", "waba-1", `{"statuses":[{"id":"gw.1","status":"delivered"}]}`, t0),
		fw("a", "waba-2", `{"statuses":[{"id":"gw.2","status":"read"}]}`, t0),
		fw("a", "waba-1", `{"messages":[{"id":"wamid.IN","context":{"id":"gw.1"}}]}`, t0))
	clk := clocktest.New(t0)
	f := newForwarder(st, clk, Config{Batch: 100})
	n, err := f.DeliverOnce(t.Context())
	if err != nil || n != 3 {
		t.Fatalf("DeliverOnce = %d, %v", n, err)
	}
	if ep.postCount() != 1 || ep.bad != 0 {
		t.Fatalf("%d posts (%d refused), want one signed post", ep.postCount(), ep.bad)
	}
	want := []string{
		`waba-1/messages/{"statuses":[{"id":"gw.1","status":"delivered"}]}`,
		`waba-1/messages/{"messages":[{"id":"wamid.IN","context":{"id":"gw.1"}}]}`,
		`waba-2/messages/{"statuses":[{"id":"gw.2","status":"read"}]}`,
	}
	got := ep.values()
	if len(got) != len(want) {
		t.Fatalf("received %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("change %d = %s, want %s", i, got[i], want[i])
		}
	}
	if c := counts(t, st); c["done"] != 3 || c["pending"] != 0 {
		t.Fatalf("counts = %v", c)
	}
	if n, _ := f.DeliverOnce(t.Context()); n != 0 {
		t.Fatalf("delivered forwards claimed again: %d", n)
	}
}

func TestChunksOfMaxBatch(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	ep := newEndpoint(t, "secret-a")
	addTenant(t, st, "a", ep.srv.URL)
	for i := range 5 {
		enqueue(t, st, fw("a", "waba-1", `{"n":`+string(rune('0'+i))+`}`, t0))
	}
	f := newForwarder(st, clocktest.New(t0), Config{Batch: 2})
	if _, err := f.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := ep.values()
	if ep.postCount() != 3 || len(got) != 5 {
		t.Fatalf("%d posts carrying %v", ep.postCount(), got)
	}
	for i, v := range got {
		if v != `waba-1/messages/{"n":`+string(rune('0'+i))+`}` {
			t.Fatalf("event %d out of order: %s", i, v)
		}
	}
}

func TestRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	ep := newEndpoint(t, "secret-a", 500, 500)
	addTenant(t, st, "a", ep.srv.URL)
	enqueue(t, st, fw("a", "waba-1", `{"statuses":[{"id":"gw.1"}]}`, t0))
	clk := clocktest.New(t0)
	f := newForwarder(st, clk, Config{})
	for round := range 10 {
		if _, err := f.DeliverOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		if counts(t, st)["done"] == 1 {
			if round != 2 {
				t.Fatalf("delivered in round %d, want the third", round)
			}
			break
		}
		// Not due again at once: backoff holds it back.
		if n, _ := f.DeliverOnce(t.Context()); n != 0 {
			t.Fatal("failed forward retried without backoff")
		}
		clk.Advance(time.Hour)
	}
	if got := ep.values(); len(got) != 1 || got[0] != `waba-1/messages/{"statuses":[{"id":"gw.1"}]}` {
		t.Fatalf("received %v", got)
	}
}

func TestGivesUpOnOldForwards(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	ep := newEndpoint(t, "secret-a", 500, 500, 500)
	addTenant(t, st, "a", ep.srv.URL)
	clk := clocktest.New(t0)
	enqueue(t, st, fw("a", "waba-1", `{"old":true}`, t0.Add(-8*24*time.Hour)), fw("a", "waba-1", `{"old":false}`, t0))
	f := newForwarder(st, clk, Config{})
	if _, err := f.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c := counts(t, st); c["dead"] != 1 || c["pending"] != 1 {
		t.Fatalf("counts = %v, want the old one dead and the new one pending", c)
	}
}

func TestFailingTenantDoesNotHoldUpOthers(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	bad := newEndpoint(t, "secret-bad", 500, 500, 500, 500, 500, 500)
	good := newEndpoint(t, "secret-good")
	addTenant(t, st, "bad", bad.srv.URL)
	addTenant(t, st, "good", good.srv.URL)
	addTenant(t, st, "nourl", "")
	for i := range 3 {
		enqueue(t, st, fw("bad", "w", `{"i":1}`, t0), fw("nourl", "w", `{"i":2}`, t0), fw("good", "w", `{"i":`+string(rune('0'+i))+`}`, t0))
	}
	f := newForwarder(st, clocktest.New(t0), Config{Concurrency: 2, MaxBatch: 100})
	if _, err := f.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := good.values(); len(got) != 3 {
		t.Fatalf("good tenant received %v", got)
	}
	if c := counts(t, st); c["done"] != 3 || c["pending"] != 6 {
		t.Fatalf("counts = %v", c)
	}
	if bad.bad != 0 || good.bad != 0 {
		t.Fatal("a tenant received a post signed with another's secret")
	}
}
