package forward

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/egress"
	"github.com/wabaguard/wabaguard/internal/metrics"
)

// syncBuffer collects log output written from the forwarder's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// strictForwarder uses the production default client built from policy.
func strictForwarder(st testStore, clk *clocktest.Manual, policy egress.Policy, logs *syncBuffer) *Forwarder {
	return New(st, Config{Destinations: policy, Now: clk.Now, Metrics: metrics.NewForTest(),
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
}

// TestRefusedDestinationStaysQueued checks that a webhook URL on a loopback
// address, by address or by a name resolving to it, is not reached unless
// loopback is allowed, that the refusal is logged clearly without the URL's
// query, and that the event is kept and delivered once allowed.
func TestRefusedDestinationStaysQueued(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, host string }{
		{"by address", "127.0.0.1"},
		{"by name", "localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newTestStore(t)
			ep := newEndpoint(t, "secret-a")
			url := strings.Replace(ep.srv.URL, "127.0.0.1", tc.host, 1) + "/hook?token=receiver-token-xyz"
			addTenant(t, st, "a", url)
			enqueue(t, st, fw("a", "waba-1", `{"event":"FLAGGED"}`, t0))
			clk := clocktest.New(t0)
			var logs syncBuffer
			f := strictForwarder(st, clk, egress.Policy{}, &logs)
			if _, err := f.DeliverOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			if n := ep.postCount(); n != 0 {
				t.Fatalf("refused receiver got %d posts", n)
			}
			if c := counts(t, st); c["pending"] != 1 || c["dead"] != 0 {
				t.Fatalf("counts = %v, want the event still queued", c)
			}
			out := logs.String()
			if !strings.Contains(out, "refused") || !strings.Contains(out, "kind=loopback") {
				t.Errorf("refusal not logged clearly: %s", out)
			}
			if strings.Contains(out, "receiver-token-xyz") || strings.Contains(out, "secret-a") {
				t.Errorf("a secret reached the logs: %s", out)
			}
			clk.Advance(2 * time.Hour)
			allowed := strictForwarder(st, clk, egress.Policy{AllowLoopback: true}, &logs)
			if _, err := allowed.DeliverOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := ep.values(); len(got) != 1 || got[0] != `waba-1/messages/{"event":"FLAGGED"}` {
				t.Fatalf("after allowing loopback received %v", got)
			}
		})
	}
}

// TestRedirectIsAFailedDelivery checks that a receiver answering with a
// redirect to another receiver is a failed delivery, retried later, and
// that the signed events never reach the redirect's target.
func TestRedirectIsAFailedDelivery(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	target := newEndpoint(t, "secret-a")
	var redirected atomic.Int32
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		http.Redirect(w, r, target.srv.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redir.Close)
	addTenant(t, st, "a", redir.URL)
	enqueue(t, st, fw("a", "waba-1", `{"event":"FLAGGED"}`, t0))
	clk := clocktest.New(t0)
	var logs syncBuffer
	f := strictForwarder(st, clk, egress.Policy{AllowLoopback: true}, &logs)
	if _, err := f.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if redirected.Load() != 1 || target.postCount() != 0 || target.bad != 0 {
		t.Fatalf("redirect hits %d, target posts %d: the redirect was followed", redirected.Load(), target.postCount())
	}
	if c := counts(t, st); c["pending"] != 1 {
		t.Fatalf("counts = %v, want the event queued for a retry", c)
	}
	if out := logs.String(); !strings.Contains(out, "redirects are not followed") || !strings.Contains(out, "307") {
		t.Errorf("redirect not logged clearly: %s", out)
	}
}
