package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// openSQLite opens a real SQLite store in a temp dir with one sender at
// mps and n queued messages to recipients "0".."n-1".
func openSQLite(tb testing.TB, mps, n int, at time.Time) *sqlite.Store {
	tb.Helper()
	st, _ := openSQLiteFile(tb, mps, n, at)
	return st
}

// openSQLiteFile is openSQLite that also returns the database file, for
// tests that must read the tables directly.
func openSQLiteFile(tb testing.TB, mps, n int, at time.Time) (*sqlite.Store, string) {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "wg.db")
	st := sqlitetest.OpenFile(tb, path)
	if err := st.PutTenant(ctx, store.Tenant{ID: "t1", Name: "T", CreatedAt: at}); err != nil {
		tb.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: pnid, TenantID: "t1", WABAID: "w1",
		DisplayPhoneNumber: "15550001", ThroughputMPS: mps, AccessToken: "tok", State: store.SenderActive}); err != nil {
		tb.Fatal(err)
	}
	for lo := 0; lo < n; lo += 1000 {
		var items []*store.Intake
		for i := lo; i < min(n, lo+1000); i++ {
			id := fmt.Sprintf("m%07d", i)
			to := fmt.Sprint(i)
			items = append(items, &store.Intake{
				Message: &store.Message{ID: id, TenantID: "t1", SenderID: pnid, Input: to, WaID: to, Type: "text",
					Body: []byte(`{"to":"` + to + `"}`), State: store.StateQueued, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at},
				Decision: store.Decision{TenantID: "t1", SenderID: pnid, MessageID: id, WaID: to, Outcome: store.OutcomeAllow, CreatedAt: at},
			})
		}
		if err := st.CommitIntake(ctx, items); err != nil {
			tb.Fatal(err)
		}
	}
	return st, path
}

// TestSQLiteEndToEnd runs the dispatcher against the real store: every
// message sent once, in order, Meta's ids recorded, and a rejected one
// failed with its status queued for the tenant.
func TestSQLiteEndToEnd(t *testing.T) {
	c := newFakeClock()
	st := openSQLite(t, 1000, 30, c.Now())
	u, cl := newUpstreamRec(t, c, func(to string, n int) *wire.Error {
		if to == "7" {
			return wire.NewError(wire.CodeUndeliverable, "not on WhatsApp")
		}
		return nil
	})
	ctx := context.Background()
	h := New(st, cl, Config{Owner: "a", Now: c.Now, Sleep: c.Sleep, PollInterval: 10 * time.Millisecond,
		MaxInFlight: 1, Logger: slog.New(slog.DiscardHandler)})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- h.Run(rctx) }()
	defer func() { cancel(); <-done }()
	eventually(t, "all settled", func() bool {
		d, err := st.QueueDepth(ctx)
		return err == nil && d[pnid] == 0
	})
	recs := u.records()
	if len(recs) != 30 {
		t.Fatalf("%d sends for 30 messages", len(recs))
	}
	for i, r := range recs {
		if r.to != fmt.Sprint(i) {
			t.Fatalf("send %d went to %s", i, r.to)
		}
	}
	m, err := st.GetMessage(ctx, "m0000003")
	if err != nil || m.State != store.StateSent || m.MetaID != "meta.3.1" || m.WaID != "wa3" {
		t.Fatalf("sent message %+v %v", m, err)
	}
	m, err = st.GetMessage(ctx, "m0000007")
	if err != nil || m.State != store.StateFailed || m.ErrorCode != wire.CodeUndeliverable {
		t.Fatalf("failed message %+v %v", m, err)
	}
	fw, err := st.ClaimForwards(ctx, c.Now().Add(time.Minute), 10, time.Minute)
	if err != nil || len(fw) != 1 {
		t.Fatalf("forwards %v %v", fw, err)
	}
	var v wire.MessagesValue
	if err := json.Unmarshal(fw[0].Value, &v); err != nil || v.Statuses[0].ID != "m0000007" || v.Statuses[0].Errors[0].Code != 131026 {
		t.Fatalf("forward value %s %v", fw[0].Value, err)
	}
}

// BenchmarkDispatch pushes b.N messages of one sender through claim → send
// → record against SQLite and an instantly answering upstream.
func BenchmarkDispatch(b *testing.B) {
	at := time.Now()
	st := openSQLite(b, 100000, b.N, at)
	var seq atomic.Int64 // Meta's ids are unique, and the store insists
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],"messages":[{"id":"wamid.%d"}]}`, seq.Add(1))
	}))
	defer srv.Close()
	cl := cloudapi.New(srv.URL, "v23.0", cloudapi.NewHTTPClient())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := New(st, cl, Config{Owner: "bench", Logger: slog.New(slog.DiscardHandler), PollInterval: 50 * time.Millisecond})
	b.ResetTimer()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	for range 60000 { // at most 10 minutes
		d, err := st.QueueDepth(context.Background())
		if err == nil && d[pnid] == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	el := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
}
