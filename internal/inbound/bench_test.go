package inbound

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/egress"
	"github.com/wabaguard/wabaguard/internal/forward"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// BenchmarkIngest measures the whole webhook path on SQLite: signed status
// deliveries posted over loopback by 32 clients, verified, group-committed,
// applied by a running Processor and forwarded by a running Forwarder to a
// tenant endpoint. It reports events per second from the first post until
// the last event reached the tenant.
func BenchmarkIngest(b *testing.B) {
	for _, per := range []int{1, 20} {
		b.Run(fmt.Sprintf("statuses_per_delivery=%d", per), func(b *testing.B) { benchIngest(b, per) })
	}
}

func benchIngest(b *testing.B, per int) {
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	b.StopTimer()
	tst := newTestStore(b)

	var received atomic.Int64
	tenantSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	defer tenantSrv.Close()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(tst.PutTenant(ctx, store.Tenant{ID: tenantID, Name: "a", WebhookURL: tenantSrv.URL, WebhookSecret: "s", CreatedAt: t0}))
	must(tst.PutSender(ctx, store.Sender{PhoneNumberID: pnid, TenantID: tenantID, WABAID: wabaID, DisplayPhoneNumber: "+1", State: store.SenderActive}))

	// Three statuses per message: sent, delivered, read, each new.
	events := b.N * per
	msgs := (events + 2) / 3
	now := time.Now()
	for start := 0; start < msgs; start += 500 {
		var ins []*store.Intake
		var outs []store.Outcome
		for i := start; i < min(start+500, msgs); i++ {
			id := fmt.Sprintf("gw.%d", i)
			m := &store.Message{ID: id, TenantID: tenantID, SenderID: pnid, Input: "+4915112345678", WaID: "4915112345678", Type: "text",
				Body: []byte(`{}`), State: store.StateQueued, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
			ins = append(ins, &store.Intake{Message: m, Decision: store.Decision{TenantID: tenantID, SenderID: pnid, MessageID: id, Outcome: store.OutcomeAllow, CreatedAt: now}})
			outs = append(outs, store.Outcome{MessageID: id, State: store.StateSent, MetaID: fmt.Sprintf("wamid.%d", i), Attempts: 1, At: now})
		}
		must(tst.CommitIntake(ctx, ins))
		must(tst.RecordOutcomes(ctx, outs, nil))
	}
	statuses := []string{"sent", "delivered", "read"}
	var bodies [][]byte
	for d := 0; d < b.N; d++ {
		var evs []event
		for k := range per {
			e := d*per + k
			evs = append(evs, event{metaID: fmt.Sprintf("wamid.%d", e/3), status: statuses[e%3], ts: 1700000000 + int64(e%3)})
		}
		bodies = append(bodies, deliveryOf(b, evs...))
	}

	fwd := forward.New(tst, forward.Config{Destinations: egress.Policy{AllowLoopback: true}})
	p := NewProcessor(tst, ProcessorConfig{OnApplied: fwd.Notify, Signals: forwarding()})
	h := NewHandler(tst, Config{AppSecret: appSecret, Wake: p.Notify})
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = p.Run(ctx) }()
	go func() { defer wg.Done(); _ = fwd.Run(ctx) }()
	defer wg.Wait()
	defer cancel()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	work := make(chan []byte)
	var failed atomic.Int64
	b.StartTimer()
	start := time.Now()
	var posters sync.WaitGroup
	for range 32 {
		posters.Add(1)
		go func() {
			defer posters.Done()
			for body := range work {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, bytes.NewReader(body))
				req.Header.Set(wire.SignatureHeader, wire.Sign(appSecret, body))
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				if resp != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	for _, body := range bodies {
		work <- body
	}
	close(work)
	posters.Wait()
	// Wait, bounded, until every event was forwarded.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := tst.ForwardCounts(ctx)
		must(err)
		if c["done"] >= events {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d events forwarded", c["done"], events)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d posts failed", failed.Load())
	}
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}
