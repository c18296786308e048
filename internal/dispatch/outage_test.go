package dispatch

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestOutageIsProbedAndDrainsInOrder takes the upstream down for a bounded
// window with a backlog queued, on the real clock, the real SQLite store
// and the real HTTP stack. While it is down the breaker must keep the
// attempts bounded (not one per message per retry tick); after it comes
// back every message goes out exactly once, in order up to the in-flight
// window, without waiting out per-message backoffs.
func TestOutageIsProbedAndDrainsInOrder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		inFlight int
		// strict: with one send at a time the order must be exact;
		// concurrent sends may overtake each other on the wire.
		strict bool
	}{
		{"one send at a time", 1, true},
		{"sixteen in flight", 16, false},
	} {
		t.Run(tc.name, func(t *testing.T) { testOutage(t, tc.inFlight, tc.strict) })
	}
}

func testOutage(t *testing.T, inFlight int, strict bool) {
	const (
		messages = 200
		outage   = 3 * time.Second
	)
	st := openSQLite(t, 1000, messages, time.Now())
	var (
		down     atomic.Bool
		mu       sync.Mutex
		attempts int // while down
		sent     []int
		upAt     time.Time
		lastSent time.Time
	)
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			To string `json:"to"`
		}
		_ = json.Unmarshal(b, &req)
		if down.Load() {
			mu.Lock()
			attempts++
			mu.Unlock()
			http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
			return
		}
		i, _ := strconv.Atoi(req.To)
		mu.Lock()
		sent = append(sent, i)
		lastSent = time.Now()
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(wire.SendResponse{MessagingProduct: "whatsapp",
			Messages: []wire.SentMessage{{ID: "meta." + req.To}}})
	}))
	t.Cleanup(srv.Close)
	var ups atomic.Int64
	m := New(st, cloudapi.New(srv.URL, "v23.0", srv.Client()), Config{Owner: "a", MaxInFlight: inFlight,
		PollInterval: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
		OnUpstreamChange: func(up bool) {
			if up {
				ups.Add(1)
			}
		}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done }()

	time.Sleep(outage)
	if h := m.UpstreamHealth(); h.Up {
		t.Errorf("health during the outage: %+v", h)
	}
	mu.Lock()
	down.Store(false)
	upAt = time.Now()
	during := attempts
	mu.Unlock()

	eventually(t, "backlog drained", func() bool {
		d, err := st.QueueDepth(context.Background())
		return err == nil && d[pnid] == 0
	})
	mu.Lock()
	defer mu.Unlock()
	t.Logf("outage %v, %d messages: %d upstream attempts while down; drained %v after recovery",
		outage, messages, during, lastSent.Sub(upAt).Round(time.Millisecond))
	// One failed burst (the sends in flight when it went down, plus the
	// threshold) and then one probe at a time, at 1 s, 2 s, …
	if bound := inFlight + defaultBreakerThreshold + 4; during > bound {
		t.Errorf("%d attempts while down, want at most %d", during, bound)
	}
	if len(sent) != messages {
		t.Fatalf("%d successful sends for %d messages", len(sent), messages)
	}
	if sent[0] != 0 {
		t.Errorf("first message out after recovery is %d, want the oldest (the probe)", sent[0])
	}
	seen := map[int]bool{}
	for pos, i := range sent {
		if seen[i] {
			t.Fatalf("message %d sent twice", i)
		}
		seen[i] = true
		if strict && pos != i {
			t.Fatalf("message %d sent at position %d: out of order", i, pos)
		}
	}
	if ups.Load() != 1 || !m.UpstreamHealth().Up {
		t.Errorf("recoveries %d, health %+v", ups.Load(), m.UpstreamHealth())
	}
}
