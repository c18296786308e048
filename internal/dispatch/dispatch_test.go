package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

const pnid = "1065"

// upstream is a scripted Graph server: decide returns an error to answer
// with (nil for success) for the n-th attempt (1-based) to recipient to.
type upstream struct {
	mu     sync.Mutex
	clock  *fakeClock
	sends  []sendRec
	tries  map[string]int
	decide func(to string, n int) *wire.Error
}

type sendRec struct {
	to  string
	at  time.Time
	tok string
}

func newUpstream(t *testing.T, c *fakeClock, decide func(to string, n int) *wire.Error) *cloudapi.Client {
	u, c2 := newUpstreamRec(t, c, decide)
	_ = u
	return c2
}

func newUpstreamRec(t *testing.T, c *fakeClock, decide func(to string, n int) *wire.Error) (*upstream, *cloudapi.Client) {
	u := &upstream{clock: c, tries: map[string]int{}, decide: decide}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			To string `json:"to"`
		}
		_ = json.Unmarshal(b, &req)
		u.mu.Lock()
		u.tries[req.To]++
		n := u.tries[req.To]
		u.sends = append(u.sends, sendRec{req.To, c.Now(), r.Header.Get("Authorization")})
		u.mu.Unlock()
		if u.decide != nil {
			if e := u.decide(req.To, n); e != nil {
				wire.WriteError(w, e)
				return
			}
		}
		_ = json.NewEncoder(w).Encode(wire.SendResponse{MessagingProduct: "whatsapp",
			Contacts: []wire.SendContact{{Input: req.To, WaID: "wa" + req.To}},
			Messages: []wire.SentMessage{{ID: fmt.Sprintf("meta.%s.%d", req.To, n)}}})
	}))
	t.Cleanup(srv.Close)
	return u, cloudapi.New(srv.URL, "v23.0", srv.Client())
}

func (u *upstream) records() []sendRec {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]sendRec(nil), u.sends...)
}

type harness struct {
	st    *memStore
	clock *fakeClock
	m     *Manager
	met   *metrics.Metrics
	stop  func()
}

func start(t *testing.T, st *memStore, c *fakeClock, up Upstream, mod func(*Config)) *harness {
	t.Helper()
	met := metrics.NewForTest()
	cfg := Config{Owner: "a", Now: c.Now, Sleep: c.Sleep, PollInterval: 10 * time.Millisecond,
		FlushDelay: time.Millisecond, Metrics: met, Logger: slog.New(slog.DiscardHandler), TokenFor: func(store.Sender) string { return "tok" }}
	if mod != nil {
		mod(&cfg)
	}
	m := New(st, up, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	h := &harness{st: st, clock: c, m: m, met: met}
	h.stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(h.stop)
	return h
}

// eventually polls cond for at most 10 s of wall time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func seed(st *memStore, c *fakeClock, tos ...string) {
	st.addSender(store.Sender{PhoneNumberID: pnid, TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "15550001", ThroughputMPS: 1000})
	for i, to := range tos {
		st.addMessage(store.Message{ID: fmt.Sprintf("m%03d", i), SenderID: pnid, TenantID: "t1", WaID: to,
			Body: []byte(`{"to":"` + to + `"}`), NextAttemptAt: c.Now(), CreatedAt: c.Now()})
	}
}

func TestSendsAllOnceInOrder(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	var tos []string
	for i := range 40 {
		tos = append(tos, fmt.Sprint(100+i))
	}
	seed(st, c, tos...)
	u, cl := newUpstreamRec(t, c, nil)
	h := start(t, st, c, cl, func(cfg *Config) { cfg.MaxInFlight = 1; cfg.ClaimBatch = 7 })
	eventually(t, "all sent", func() bool { return st.count(store.StateSent) == len(tos) })
	recs := u.records()
	if len(recs) != len(tos) {
		t.Fatalf("%d sends for %d messages", len(recs), len(tos))
	}
	for i, r := range recs {
		if r.to != tos[i] || r.tok != "Bearer tok" {
			t.Fatalf("send %d: %+v, want to %s", i, r, tos[i])
		}
	}
	m := st.get("m005")
	if m.MetaID != "meta.105.1" || m.WaID != "wa105" || m.Attempts != 1 {
		t.Fatalf("recorded %+v", m)
	}
	if got := counterValue(t, h.met.Sent.WithLabelValues(pnid)); got != float64(len(tos)) {
		t.Fatalf("sent metric %v", got)
	}
	if got := h.m.Owned(); len(got) != 1 || got[0] != pnid {
		t.Fatalf("Owned = %v", got)
	}
}

func TestThroughputNeverExceeded(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	var tos []string
	for i := range 130 {
		tos = append(tos, fmt.Sprint(i))
	}
	seed(st, c, tos...)
	st.addSender(store.Sender{PhoneNumberID: pnid, TenantID: "t1", WABAID: "w1", ThroughputMPS: 25})
	// One in flight: the upstream's clock reading is the send's slot.
	u, cl := newUpstreamRec(t, c, nil)
	start(t, st, c, cl, func(cfg *Config) { cfg.MaxInFlight = 1 })
	eventually(t, "all sent", func() bool { return st.count(store.StateSent) == len(tos) })
	var ts []time.Time
	for _, r := range u.records() {
		ts = append(ts, r.at)
	}
	if got := maxInWindow(ts, time.Second); got > 25 {
		t.Fatalf("%d sends in one second at 25 mps", got)
	}
	if span := ts[len(ts)-1].Sub(ts[0]); span < 4*time.Second {
		t.Fatalf("130 messages at 25 mps went out in %v", span)
	}
}

func TestErrorHandling(t *testing.T) {
	tests := []struct {
		name   string
		decide func(to string, n int) *wire.Error
		check  func(t *testing.T, h *harness)
	}{
		{
			name: "5xx backs off then succeeds",
			decide: func(to string, n int) *wire.Error {
				if to == "1" && n <= 2 {
					return wire.NewError(wire.CodeServiceUnavailable, "try later")
				}
				return nil
			},
			check: func(t *testing.T, h *harness) {
				eventually(t, "first retry scheduled", func() bool { return h.st.get("m001").Attempts == 1 })
				m := h.st.get("m001")
				if m.State != store.StateQueued || m.ErrorCode != 131016 || m.NextAttemptAt.Sub(h.clock.Now()) < 700*time.Millisecond {
					t.Fatalf("after 1st failure: %+v", m)
				}
				for range 2 { // two backoffs: ~1 s then ~2 s
					h.clock.Advance(3 * time.Second)
					time.Sleep(30 * time.Millisecond)
				}
				eventually(t, "sent on 3rd attempt", func() bool {
					h.clock.Advance(time.Second)
					return h.st.get("m001").State == store.StateSent
				})
				if m := h.st.get("m001"); m.Attempts != 3 || m.MetaID != "meta.1.3" {
					t.Fatalf("after success: %+v", m)
				}
				if got := counterValue(t, h.met.Retried.WithLabelValues("131016")); got != 2 {
					t.Fatalf("retried metric %v", got)
				}
			},
		},
		{
			name: "131056 reschedules only that recipient",
			decide: func(to string, n int) *wire.Error {
				if to == "1" && n == 1 {
					return wire.NewError(wire.CodePairRate, "pair")
				}
				return nil
			},
			check: func(t *testing.T, h *harness) {
				eventually(t, "others sent", func() bool { return h.st.count(store.StateSent) == 2 })
				m := h.st.get("m001")
				if m.State != store.StateQueued || m.ErrorCode != wire.CodePairRate || m.Attempts != 1 {
					t.Fatalf("pair-limited message %+v", m)
				}
				// 4^0 s after the failure.
				if d := m.NextAttemptAt.Sub(h.clock.Now()); d <= 0 || d > time.Second {
					t.Fatalf("rescheduled %v ahead", d)
				}
				eventually(t, "sent later", func() bool {
					h.clock.Advance(500 * time.Millisecond)
					return h.st.get("m001").State == store.StateSent
				})
			},
		},
		{
			name: "validation error fails for good with a failed status",
			decide: func(to string, n int) *wire.Error {
				if to == "1" {
					return wire.NewError(wire.CodeParameterInvalid, "bad param")
				}
				return nil
			},
			check: func(t *testing.T, h *harness) {
				eventually(t, "settled", func() bool { return h.st.count(store.StateSent) == 2 && h.st.count(store.StateFailed) == 1 })
				m := h.st.get("m001")
				if m.ErrorCode != 131009 || m.ErrorDetail != "bad param" || m.Attempts != 1 {
					t.Fatalf("failed message %+v", m)
				}
				fw := h.st.getForwards()
				if len(fw) != 1 || fw[0].TenantID != "t1" || fw[0].WABAID != "w1" || fw[0].Field != "messages" {
					t.Fatalf("forwards %+v", fw)
				}
				var v wire.MessagesValue
				if err := json.Unmarshal(fw[0].Value, &v); err != nil {
					t.Fatal(err)
				}
				s := v.Statuses[0]
				if v.Metadata.PhoneNumberID != pnid || s.ID != "m001" || s.Status != "failed" || s.RecipientID != "1" ||
					s.Errors[0].Code != 131009 || s.Errors[0].ErrorData.Details != "bad param" ||
					s.Timestamp != fmt.Sprint(h.clock.Now().Unix()) {
					t.Fatalf("status %+v", v)
				}
				if got := counterValue(t, h.met.Failed.WithLabelValues("131009")); got != 1 {
					t.Fatalf("failed metric %v", got)
				}
			},
		},
		{
			name: "368 stops the sender and leaves the rest queued",
			decide: func(to string, n int) *wire.Error {
				if to == "0" && n == 1 {
					return wire.NewError(wire.CodePolicyRestricted, "blocked")
				}
				return nil
			},
			check: func(t *testing.T, h *harness) {
				eventually(t, "sender stopped", func() bool {
					s, _ := h.st.GetSender(context.Background(), pnid)
					return s.State == store.SenderStopped && len(h.m.Owned()) == 0
				})
				s, _ := h.st.GetSender(context.Background(), pnid)
				if s.StateCode != 368 || !strings.Contains(s.StateReason, "blocked") {
					t.Fatalf("sender %+v", s)
				}
				m := h.st.get("m000")
				if m.State != store.StateQueued || m.Attempts != 0 || m.ErrorCode != 368 {
					t.Fatalf("message %+v", m)
				}
				if h.st.count(store.StateFailed) != 0 || h.st.count(store.StateSent) != 0 {
					t.Fatalf("others were not left queued")
				}
				if got := counterValue(t, h.met.SenderStopped.WithLabelValues("368")); got != 1 {
					t.Fatalf("stopped metric %v", got)
				}
				// The tenant hears of it: one gateway event in Meta's envelope.
				fw := h.st.getForwards()
				if len(fw) != 1 || fw[0].Field != SenderEventField || fw[0].TenantID != "t1" || fw[0].WABAID != "w1" {
					t.Fatalf("forwards %+v", fw)
				}
				var ev SenderEventValue
				if err := json.Unmarshal(fw[0].Value, &ev); err != nil || ev.Event != SenderEventStopped ||
					ev.Metadata.PhoneNumberID != pnid || ev.Error == nil || ev.Error.Code != 368 {
					t.Fatalf("event %s (%v)", fw[0].Value, err)
				}
				// Resumed: the manager owns it again and sends the rest.
				_ = h.st.SetSenderState(context.Background(), pnid, store.SenderActive, 0, "", h.clock.Now())
				eventually(t, "all sent after resume", func() bool { return h.st.count(store.StateSent) == 3 })
			},
		},
		{
			name: "130429 slows down and retries",
			decide: func(to string, n int) *wire.Error {
				if to == "2" && n == 1 {
					return wire.NewError(wire.CodeThroughput, "slow down")
				}
				return nil
			},
			check: func(t *testing.T, h *harness) {
				eventually(t, "throttled once", func() bool { return h.st.get("m002").Attempts == 1 })
				eventually(t, "sent after retry", func() bool {
					h.clock.Advance(500 * time.Millisecond)
					return h.st.count(store.StateSent) == 3
				})
				if got := counterValue(t, h.met.Retried.WithLabelValues("130429")); got != 1 {
					t.Fatalf("retried metric %v", got)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeClock()
			st := newMemStore()
			seed(st, c, "0", "1", "2")
			h := start(t, st, c, newUpstream(t, c, tc.decide), func(cfg *Config) { cfg.MaxInFlight = 1 })
			tc.check(t, h)
		})
	}
}

func TestLeaseTakeoverRequeuesInFlight(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	seed(st, c, "0", "1", "2")
	// Another replica owns the sender and has claimed everything.
	if ok, _ := st.AcquireLease(context.Background(), "sender:"+pnid, "b", c.Now(), 15*time.Second); !ok {
		t.Fatal("setup lease")
	}
	if ms, _ := st.ClaimMessages(context.Background(), pnid, c.Now(), 10, time.Hour); len(ms) != 3 {
		t.Fatal("setup claim")
	}
	h := start(t, st, c, newUpstream(t, c, nil), nil)
	time.Sleep(50 * time.Millisecond) // several ticks
	if len(h.m.Owned()) != 0 || st.count(store.StateSending) != 3 {
		t.Fatalf("took a lease it does not hold: owned %v", h.m.Owned())
	}
	c.Advance(16 * time.Second) // b's lease lapses; the claims (1 h) do not
	eventually(t, "all sent by the new owner", func() bool { return st.count(store.StateSent) == 3 })
	st.mu.Lock()
	n := st.requeues[pnid]
	st.mu.Unlock()
	if n != 1 {
		t.Fatalf("RequeueInFlight called %d times", n)
	}
}

func TestNotifyWakesLoop(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	seed(st, c)
	// Polling effectively off: only Notify can wake the idle loop.
	h := start(t, st, c, newUpstream(t, c, nil), func(cfg *Config) { cfg.PollInterval = time.Hour })
	eventually(t, "loop idle", func() bool { return len(h.m.Owned()) == 1 && st.claims.Load() >= 1 })
	time.Sleep(20 * time.Millisecond)
	claims := st.claims.Load()
	st.addMessage(store.Message{ID: "late", SenderID: pnid, WaID: "9", Body: []byte(`{"to":"9"}`), NextAttemptAt: c.Now()})
	time.Sleep(30 * time.Millisecond)
	if st.claims.Load() != claims || st.get("late").State != store.StateQueued {
		t.Fatal("loop woke without Notify")
	}
	h.m.Notify(pnid)
	h.m.Notify("unknown") // ignored
	eventually(t, "sent after Notify", func() bool { return st.get("late").State == store.StateSent })
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestStarvedLoopStopsSendingAtTheFence: the manager cannot renew (its ticks
// are an hour apart) and the first send stalls past the lease's margin, as a
// paused or CPU-starved replica would. The loop must not send the rest: the
// lease may already be another replica's.
func TestStarvedLoopStopsSendingAtTheFence(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	seed(st, c, "100", "101", "102", "103", "104")
	const ttl = 15 * time.Second
	u, cl := newUpstreamRec(t, c, func(to string, n int) *wire.Error {
		if to == "100" {
			c.Advance(ttl) // the stall: a whole lease period passes mid-send
		}
		return nil
	})
	start(t, st, c, cl, func(cfg *Config) { cfg.MaxInFlight = 1; cfg.PollInterval = time.Hour; cfg.LeaseTTL = ttl })
	eventually(t, "the stalled send recorded and the rest put back", func() bool {
		return st.count(store.StateSent) == 1 && st.count(store.StateQueued) == 4
	})
	if recs := u.records(); len(recs) != 1 {
		t.Fatalf("%d sends went out past the lease fence, want only the stalled one: %+v", len(recs), recs)
	}
}
