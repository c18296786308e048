package inbound

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/forward"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// forwarding is the bus the server wires, as far as forwarding goes: the
// forward stager subscribed like any other.
func forwarding() *signal.Bus {
	var b signal.Bus
	b.SubscribeStager("forward", forward.Stager{})
	return &b
}

// testStore is the store surface the tests drive: the package's own needs
// plus what sets up and inspects state.
type testStore interface {
	Store
	PutTenant(ctx context.Context, t store.Tenant) error
	PutSender(ctx context.Context, s store.Sender) error
	CommitIntake(ctx context.Context, items []*store.Intake) error
	RecordOutcomes(ctx context.Context, outcomes []store.Outcome, forwards []store.Forward) error
	GetMessage(ctx context.Context, id string) (store.Message, error)
	StatusEvents(ctx context.Context, messageID string) ([]store.StatusEvent, error)
	ListInbound(ctx context.Context, senderID string, limit int) ([]store.InboundMessage, error)
	GetWindow(ctx context.Context, senderID, waID string) (time.Time, error)
	ClaimForwards(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Forward, error)
	CompleteForwards(ctx context.Context, ids []int64, at time.Time) error
	RetryForwards(ctx context.Context, rs []store.ForwardRetry) error
	GetTenant(ctx context.Context, id string) (store.Tenant, error)
	ForwardCounts(ctx context.Context) (map[string]int, error)
}

var appSecret = []byte("app-secret-for-tests")

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// rig is a handler over a real HTTP server plus a processor, sharing a clock.
type rig struct {
	st   testStore
	clk  *clocktest.Manual
	h    *Handler
	p    *Processor
	srv  *httptest.Server
	ctx  context.Context
	seen map[string]bool
}

func newRig(t *testing.T, st testStore, batchSize int) *rig {
	t.Helper()
	clk := clocktest.New(t0)
	m := metrics.NewForTest()
	p := NewProcessor(st, ProcessorConfig{BatchSize: batchSize, Now: clk.Now, Metrics: m, Signals: forwarding()})
	h := NewHandler(st, Config{AppSecret: appSecret, VerifyToken: "verify-me", Now: clk.Now, Metrics: m, Wake: p.Notify})
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return &rig{st: st, clk: clk, h: h, p: p, srv: srv, ctx: t.Context()}
}

func (r *rig) post(t *testing.T, body []byte) int {
	t.Helper()
	req, err := http.NewRequestWithContext(r.ctx, http.MethodPost, r.srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.SignatureHeader, wire.Sign(appSecret, body))
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// drain processes until nothing is due now; bounded so a bug cannot spin.
func (r *rig) drain(t *testing.T) {
	t.Helper()
	for range 1000 {
		n, err := r.p.ProcessOnce(r.ctx)
		if err != nil {
			t.Fatalf("ProcessOnce: %v", err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("processing did not settle")
}

// forwards claims and completes every forward enqueued so far, as a
// forwarder would: a lane hands out its next forward only once the one
// before it is done. They are returned in the order they were queued.
func (r *rig) forwards(t *testing.T) []store.Forward {
	t.Helper()
	var all []store.Forward
	for range 1000 {
		fws, err := r.st.ClaimForwards(r.ctx, r.clk.Now().Add(24*time.Hour), 100000, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(fws) == 0 {
			slices.SortFunc(all, func(a, b store.Forward) int { return cmp.Compare(a.ID, b.ID) })
			return all
		}
		ids := make([]int64, len(fws))
		for i, f := range fws {
			ids[i] = f.ID
		}
		if err := r.st.CompleteForwards(r.ctx, ids, r.clk.Now()); err != nil {
			t.Fatal(err)
		}
		all = append(all, fws...)
	}
	t.Fatal("forwards did not settle")
	return nil
}

const (
	tenantID = "tenant-a"
	wabaID   = "waba-1"
	pnid     = "1122334455667"
)

func seedTenant(t *testing.T, st testStore, tenant, waba, phone string) {
	t.Helper()
	ctx := t.Context()
	if err := st.PutTenant(ctx, store.Tenant{ID: tenant, Name: tenant, WebhookURL: "http://127.0.0.1:1/hook", WebhookSecret: "s-" + tenant, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: phone, TenantID: tenant, WABAID: waba, DisplayPhoneNumber: "+" + phone, State: store.SenderActive}); err != nil {
		t.Fatal(err)
	}
}

// seedMessage accepts a message and, when metaID is set, records it as sent.
func seedMessage(t *testing.T, st testStore, id, metaID string) {
	t.Helper()
	ctx := t.Context()
	m := &store.Message{ID: id, TenantID: tenantID, SenderID: pnid, Input: "+4915112345678", WaID: "4915112345678", Type: "text",
		Body: []byte(`{"type":"text"}`), State: store.StateQueued, NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0}
	in := &store.Intake{Message: m, Decision: store.Decision{TenantID: tenantID, SenderID: pnid, MessageID: id, WaID: m.WaID, Outcome: store.OutcomeAllow, CreatedAt: t0}}
	if err := st.CommitIntake(ctx, []*store.Intake{in}); err != nil {
		t.Fatal(err)
	}
	if metaID != "" {
		recordSent(t, st, id, metaID)
	}
}

func recordSent(t *testing.T, st testStore, id, metaID string) {
	t.Helper()
	o := store.Outcome{MessageID: id, State: store.StateSent, MetaID: metaID, WaID: "4915112345678", Attempts: 1, At: t0}
	if err := st.RecordOutcomes(t.Context(), []store.Outcome{o}, nil); err != nil {
		t.Fatal(err)
	}
}

// event is one update; each becomes its own change so that any grouping of
// events into deliveries yields the same forwards.
type event struct {
	metaID, status string // a status
	inboundID      string // or an inbound message
	replyTo        string
	ts             int64
}

func (e event) change() map[string]any {
	v := map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]any{"display_phone_number": "15550001111", "phone_number_id": pnid},
	}
	if e.inboundID != "" {
		msg := map[string]any{"from": "4915112345678", "id": e.inboundID, "timestamp": fmt.Sprint(e.ts), "type": "text", "text": map[string]any{"body": "hi " + e.inboundID}}
		if e.replyTo != "" {
			msg["context"] = map[string]any{"from": "15550001111", "id": e.replyTo}
		}
		v["contacts"] = []any{map[string]any{"profile": map[string]any{"name": "Ana"}, "wa_id": "4915112345678"}}
		v["messages"] = []any{msg}
	} else {
		st := map[string]any{"id": e.metaID, "status": e.status, "timestamp": fmt.Sprint(e.ts), "recipient_id": "4915112345678",
			"pricing": map[string]any{"billable": true, "pricing_model": "PMP", "category": "utility"}}
		if e.status == "failed" {
			st["errors"] = []any{map[string]any{"code": 131026, "title": "Message undeliverable"}}
		}
		v["statuses"] = []any{st}
	}
	return map[string]any{"field": "messages", "value": v}
}

// deliveryOf wraps events as one notification, alternating them over two
// entries of the same WABA to exercise multi-entry batches.
func deliveryOf(t testing.TB, evs ...event) []byte {
	t.Helper()
	entries := []map[string]any{}
	for i, e := range evs {
		if i < 2 {
			entries = append(entries, map[string]any{"id": wabaID, "changes": []any{}})
		}
		en := entries[i%len(entries)]
		en["changes"] = append(en["changes"].([]any), e.change())
	}
	b, err := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": entries})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// canonical re-encodes JSON with sorted keys so equal content compares equal.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("forward value is not JSON: %v: %s", err, b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func forwardSet(t *testing.T, fws []store.Forward) []string {
	t.Helper()
	out := make([]string, 0, len(fws))
	for _, f := range fws {
		out = append(out, f.TenantID+"|"+f.WABAID+"|"+f.Field+"|"+canonical(t, f.Value))
	}
	sort.Strings(out)
	return out
}

// statusOf decodes the single status of a forwarded messages value.
func statusOf(t *testing.T, value []byte) map[string]any {
	t.Helper()
	var v struct {
		Statuses []map[string]any `json:"statuses"`
	}
	if err := json.Unmarshal(value, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Statuses) != 1 {
		t.Fatalf("forward carries %d statuses, want 1: %s", len(v.Statuses), value)
	}
	return v.Statuses[0]
}
