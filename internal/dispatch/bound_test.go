package dispatch

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// sendingRows counts the sender's messages in state sending, as one
// statement so the count is a snapshot: the rows a crash at that instant
// would turn into duplicates.
func sendingRows(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM messages WHERE sender_id = ? AND state = 'sending'`, pnid).Scan(&n); err != nil {
		t.Errorf("count sending: %v", err)
		return -1
	}
	return n
}

// TestSendingNeverExceedsClaimBatch holds every upstream call until the test
// lets it go, so claimed messages pile up in every stage a loop has — in
// flight, waiting for a slot, waiting in the recorder — and checks, at every
// send and in between, that the store never holds more than ClaimBatch
// messages of the sender in state sending, while the loop keeps sending
// until all are out, each once.
func TestSendingNeverExceedsClaimBatch(t *testing.T) {
	tests := []struct {
		name                  string
		claimBatch, inFlight  int
		messages, releaseStep int
	}{
		{"more slots than the batch", 8, 16, 60, 1},
		{"fewer slots than the batch", 8, 4, 60, 1},
		{"released in bursts", 10, 6, 80, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, path := openSQLiteFile(t, 100000, tc.messages, time.Now())
			db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var (
				gate    = make(chan struct{})
				mu      sync.Mutex
				sends   = map[string]int{}
				worst   int
				waiting atomic.Int64
				seq     atomic.Int64
			)
			observe := func(n int) {
				mu.Lock()
				worst = max(worst, n)
				mu.Unlock()
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				var req struct {
					To string `json:"to"`
				}
				_ = json.Unmarshal(b, &req)
				// Sampled at the moment a message leaves: the loop has
				// claimed as far ahead as it ever does.
				observe(sendingRows(t, db))
				mu.Lock()
				sends[req.To]++
				mu.Unlock()
				waiting.Add(1)
				<-gate
				waiting.Add(-1)
				_ = json.NewEncoder(w).Encode(wire.SendResponse{MessagingProduct: "whatsapp",
					Messages: []wire.SentMessage{{ID: fmt.Sprintf("wamid.%d", seq.Add(1))}}})
			}))
			defer srv.Close()

			m := New(st, cloudapi.New(srv.URL, "v23.0", srv.Client()), Config{Owner: "a",
				ClaimBatch: tc.claimBatch, MaxInFlight: tc.inFlight, PollInterval: 10 * time.Millisecond,
				FlushDelay: time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			// Held calls are let go first: the loop waits for its in-flight
			// sends before it ends.
			defer func() { close(gate); cancel(); <-done }()

			// Nothing answers yet: the loop fills its budget and must stop
			// claiming there, however many slots it has.
			held := min(tc.claimBatch, tc.inFlight)
			eventually(t, "calls held", func() bool { return waiting.Load() == int64(held) })
			eventually(t, "budget claimed", func() bool { return sendingRows(t, db) == tc.claimBatch })
			for range 5 { // the loop is blocked, not merely slow: still the budget
				time.Sleep(10 * time.Millisecond)
				if n := sendingRows(t, db); n != tc.claimBatch {
					t.Fatalf("%d messages sending while every call is held, want %d", n, tc.claimBatch)
				}
			}

			// Let the calls go a few at a time; the loop keeps refilling.
			stopSampling := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				for {
					select {
					case <-stopSampling:
						return
					default:
						observe(sendingRows(t, db))
					}
				}
			}()
			for sent := 0; sent < tc.messages; {
				for range tc.releaseStep {
					select {
					case gate <- struct{}{}:
						sent++
					case <-time.After(10 * time.Second):
						t.Fatalf("the loop stopped sending after %d of %d messages", sent, tc.messages)
					}
				}
			}
			eventually(t, "all sent", func() bool {
				d, err := st.QueueDepth(context.Background())
				return err == nil && d[pnid] == 0
			})
			close(stopSampling)
			<-sampled

			mu.Lock()
			defer mu.Unlock()
			if worst > tc.claimBatch {
				t.Errorf("the store held %d messages in state sending, above ClaimBatch %d", worst, tc.claimBatch)
			}
			for i := range tc.messages {
				if n := sends[fmt.Sprint(i)]; n != 1 {
					t.Errorf("message to %d sent %d times", i, n)
				}
			}
			t.Logf("at most %d of ClaimBatch %d sending", worst, tc.claimBatch)
		})
	}
}
