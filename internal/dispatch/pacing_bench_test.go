package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// The pacing benchmarks run the scenarios of TestPacing* on the wall clock:
// the real stores (SQLite; PostgreSQL with two replicas), the simulator
// over loopback HTTP with Meta's limits on. Each is one run of a fixed
// campaign (use -benchtime=1x); they report the achieved rate, its share of
// the number's throughput, and the 130429 and 131056 answers.
//
//	go test ./internal/dispatch -run '^$' -bench Pacing -benchtime=1x

// benchSender is one number's campaign: distinct recipients, and busy
// messages to one recipient mixed in.
type benchSender struct {
	id       string
	mps      int
	messages int
	busy     int
}

const benchBusy = "5511999999999"

// acceptLog notes the accepted sends per number and recipient.
type acceptLog struct {
	mu sync.Mutex
	at map[string][]acceptedSend // phone number id → sends
}

func (a *acceptLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			To string `json:"to"`
		}
		_ = json.Unmarshal(b, &req)
		r.Body = io.NopCloser(bytes.NewReader(b))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code == http.StatusOK {
			// /v23.0/<pnid>/messages
			var pnid string
			_, _ = fmt.Sscanf(r.URL.Path, "/v23.0/%s", &pnid)
			pnid = pnid[:len(pnid)-len("/messages")]
			a.mu.Lock()
			a.at[pnid] = append(a.at[pnid], acceptedSend{req.To, time.Now()})
			a.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func benchPacing(b *testing.B, stores []store.Store, senders []benchSender) {
	ctx := b.Context()
	cfg := sim.DefaultConfig()
	cfg.Numbers = nil
	for _, s := range senders {
		cfg.Numbers = append(cfg.Numbers, sim.Number{PhoneNumberID: s.id, WABAID: "w" + s.id, DisplayPhoneNumber: "1555" + s.id,
			ThroughputMPS: s.mps, MessagingLimitTier: "TIER_UNLIMITED"})
	}
	cfg.Webhooks.Enabled = false
	cfg.AccessTokens = []string{"tok"}
	sm, err := sim.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer sm.Close()
	log := &acceptLog{at: map[string][]acceptedSend{}}
	srv := httptest.NewServer(log.wrap(sm.Handler()))
	defer srv.Close()

	st := stores[0]
	start := time.Now()
	if err := st.PutTenant(ctx, store.Tenant{ID: "t1", Name: "T", CreatedAt: start}); err != nil {
		b.Fatal(err)
	}
	for _, s := range senders {
		if err := st.PutSender(ctx, store.Sender{PhoneNumberID: s.id, TenantID: "t1", WABAID: "w" + s.id,
			DisplayPhoneNumber: "1555" + s.id, ThroughputMPS: s.mps, AccessToken: "tok", State: store.SenderActive}); err != nil {
			b.Fatal(err)
		}
	}
	// The replicas start first and settle who dispatches which number.
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var ms []*Manager
	for i, rst := range stores {
		m := New(rst, cloudapi.New(srv.URL, "v23.0", cloudapi.NewHTTPClient()), Config{Owner: fmt.Sprintf("r%d", i),
			LeaseTTL: 2 * time.Second, PollInterval: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		ms = append(ms, m)
		wg.Go(func() { _ = m.Run(rctx) })
	}
	defer func() { cancel(); wg.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; {
		spread := true
		for _, m := range ms {
			if len(senders) >= len(ms) && len(m.Owned()) != len(senders)/len(ms) {
				spread = false
			}
		}
		if spread || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, m := range ms {
		b.Logf("replica %s dispatches %v", m.cfg.Owner, m.Owned())
	}
	// The campaigns, all due at once a little later, once committed.
	due := time.Now().Add(3 * time.Second)
	want := map[string]int{}
	for _, s := range senders {
		var items []*store.Intake
		n := 0
		add := func(to string) {
			id := fmt.Sprintf("%s-%07d", s.id, n)
			n++
			items = append(items, &store.Intake{
				Message: &store.Message{ID: id, TenantID: "t1", SenderID: s.id, Input: to, WaID: to, Type: "template",
					Body:  []byte(`{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`),
					State: store.StateQueued, NextAttemptAt: due, CreatedAt: start, UpdatedAt: start},
				Decision: store.Decision{TenantID: "t1", SenderID: s.id, MessageID: id, WaID: to, Outcome: store.OutcomeAllow, CreatedAt: start},
			})
		}
		every := max(1, s.messages/max(1, s.busy))
		busy := 0
		for i := range s.messages {
			add(fmt.Sprintf("55119%08d", i))
			if s.busy > 0 && i%every == 0 && busy < s.busy {
				add(benchBusy)
				busy++
			}
		}
		want[s.id] = s.messages
		for lo := 0; lo < len(items); lo += 1000 {
			if err := st.CommitIntake(ctx, items[lo:min(len(items), lo+1000)]); err != nil {
				b.Fatal(err)
			}
		}
	}
	if time.Now().After(due) {
		b.Logf("committing the campaigns took past their due time: the rates include the commit")
	}
	b.ResetTimer()
	// Done once every campaign's distinct recipients are served: the busy
	// recipient's messages take 6 s each and run on long after.
	others := func(to string) bool { return to != benchBusy }
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		log.mu.Lock()
		doneAll := true
		for id, n := range want {
			c := 0
			for _, s := range log.at[id] {
				if others(s.to) {
					c++
				}
			}
			doneAll = doneAll && c >= n
		}
		log.mu.Unlock()
		if doneAll {
			break
		}
	}
	b.StopTimer()
	stats := sm.Stats()
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, s := range senders {
		run := pacingRun{sends: log.at[s.id]}
		rate, n := run.rate(others)
		_, nb := run.rate(func(to string) bool { return to == benchBusy })
		ns := stats.Numbers[s.id]
		b.Logf("%s at %d mps: %d distinct recipients at %.1f/s (%.1f %%), %d to the busy one; 130429: %d, 131056: %d, max %d in a second",
			s.id, s.mps, n, rate, 100*rate/float64(s.mps), nb, ns.Rejected[wire.CodeThroughput], ns.Rejected[wire.CodePairRate], ns.MaxPerSecond)
		suffix := "_" + s.id
		b.ReportMetric(rate, "msgs/s"+suffix)
		b.ReportMetric(100*rate/float64(s.mps), "pct"+suffix)
		b.ReportMetric(float64(ns.Rejected[wire.CodeThroughput]), "130429"+suffix)
		b.ReportMetric(float64(ns.Rejected[wire.CodePairRate]), "131056"+suffix)
	}
}

func BenchmarkPacingSQLite(b *testing.B) {
	for _, tc := range []struct {
		name string
		s    benchSender
	}{
		{"80mps", benchSender{id: "p80", mps: 80, messages: 2400}},
		{"1000mps", benchSender{id: "p1000", mps: 1000, messages: 20_000}},
		{"80mps_busy", benchSender{id: "p80", mps: 80, messages: 2400, busy: 50}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			st := sqlitetest.OpenFile(b, filepath.Join(b.TempDir(), "wg.db"))
			benchPacing(b, []store.Store{st}, []benchSender{tc.s})
		})
	}
}

// BenchmarkPacingPostgres runs two replicas on one PostgreSQL database, each
// dispatching one of two numbers.
func BenchmarkPacingPostgres(b *testing.B) {
	dsn := pgtest.DSN(b)
	sealer := storetest.Sealer(b)
	var stores []store.Store
	for range 2 {
		st, err := postgres.Open(b.Context(), dsn, sealer)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = st.Close() })
		stores = append(stores, st)
	}
	benchPacing(b, stores, []benchSender{
		{id: "p80", mps: 80, messages: 2400, busy: 50},
		{id: "p1000", mps: 1000, messages: 20_000},
	})
}
