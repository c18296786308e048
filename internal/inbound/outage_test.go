package inbound

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/egress"
	"github.com/wabaguard/wabaguard/internal/forward"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// outageReceiver is a tenant's webhook endpoint that answers 503 until the
// test clock reaches up, then 200, and records what it accepted per
// message (statuses, by the gateway's id) and per person (inbound
// messages, by wa_id).
type outageReceiver struct {
	now func() time.Time
	up  time.Time

	mu       sync.Mutex
	statuses map[string][]string
	inbound  map[string][]string
	failed   int
}

func (o *outageReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.now().Before(o.up) {
		o.failed++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var n wire.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			var v struct {
				Statuses []struct{ ID, Status string }
				Messages []struct{ ID, From string }
			}
			if err := json.Unmarshal(c.Value, &v); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			for _, s := range v.Statuses {
				o.statuses[s.ID] = append(o.statuses[s.ID], s.Status)
			}
			for _, m := range v.Messages {
				o.inbound[m.From] = append(o.inbound[m.From], m.ID)
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

// TestOrderKeptThroughTenantOutage takes the tenant's endpoint down for a
// bounded time while Meta reports sent, delivered and read for 300
// messages and 20 people write 5 messages each, then brings it back: every
// message's statuses and every person's messages must reach the tenant in
// the order Meta sent them, each exactly once.
func TestOrderKeptThroughTenantOutage(t *testing.T) {
	engines := []struct {
		name string
		open func(t *testing.T) testStore
	}{
		{"sqlite", func(t *testing.T) testStore { return newTestStore(t) }},
		{"postgres", func(t *testing.T) testStore {
			box, err := secret.NewBox(secret.NewKey())
			if err != nil {
				t.Fatal(err)
			}
			st, err := postgres.Open(t.Context(), pgtest.DSN(t), box)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return st
		}},
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			testOutageOrder(t, eng.open(t))
		})
	}
}

func testOutageOrder(t *testing.T, st testStore) {
	const (
		messages = 300
		people   = 20
		perUser  = 5
		outage   = 5 * time.Minute
	)
	r := newRig(t, st, 256)
	rcv := &outageReceiver{now: r.clk.Now, up: t0.Add(outage), statuses: map[string][]string{}, inbound: map[string][]string{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	seedTenant(t, st, tenantID, wabaID, pnid)
	ten, err := st.GetTenant(r.ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	ten.WebhookURL = srv.URL
	if err := st.PutTenant(r.ctx, ten); err != nil {
		t.Fatal(err)
	}
	for i := range messages {
		seedMessage(t, st, fmt.Sprintf("gw-%03d", i), fmt.Sprintf("wamid.OUT%03d", i))
	}
	fwd := forward.New(st, forward.Config{Now: r.clk.Now, Logger: slog.New(slog.DiscardHandler), Destinations: egress.Policy{AllowLoopback: true}})

	// One round of forwarding, then a second of the test clock: the
	// forwarder sees the endpoint fail, back off and, after the outage,
	// recover, while Meta's webhooks keep coming.
	step := func() {
		t.Helper()
		r.drain(t)
		if _, err := fwd.DeliverOnce(r.ctx); err != nil {
			t.Fatalf("DeliverOnce: %v", err)
		}
		r.clk.Advance(time.Second)
	}
	for k, status := range []string{"sent", "delivered", "read"} {
		for i := range messages {
			ts := t0.Unix() + int64(k*10)
			r.post(t, deliveryOf(t, event{metaID: fmt.Sprintf("wamid.OUT%03d", i), status: status, ts: ts}))
			if i%50 == 49 {
				step()
			}
		}
		for u := range people {
			body := inboundFrom(t, fmt.Sprintf("49151000%04d", u), fmt.Sprintf("wamid.IN%02d-%d", u, k), r.clk.Now().Unix())
			r.post(t, body)
		}
		step()
	}
	for u := range people {
		for k := 3; k < perUser; k++ {
			r.post(t, inboundFrom(t, fmt.Sprintf("49151000%04d", u), fmt.Sprintf("wamid.IN%02d-%d", u, k), r.clk.Now().Unix()))
		}
		step()
	}
	// Bounded: the outage plus the longest back-off it can cause.
	for range int((outage + 2*time.Hour) / time.Second) {
		c, err := st.ForwardCounts(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c["pending"] == 0 && r.clk.Now().After(rcv.up) {
			break
		}
		step()
	}
	c, err := st.ForwardCounts(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c["pending"] != 0 || c["dead"] != 0 {
		t.Fatalf("after recovery: %v forwards, want all done", c)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.failed == 0 {
		t.Fatal("the endpoint never failed: the test did not exercise an outage")
	}
	outOfOrder := 0
	for i := range messages {
		id := fmt.Sprintf("gw-%03d", i)
		if got := fmt.Sprint(rcv.statuses[id]); got != "[sent delivered read]" {
			if outOfOrder < 5 {
				t.Errorf("message %s: statuses arrived as %s, want [sent delivered read]", id, got)
			}
			outOfOrder++
		}
	}
	for u := range people {
		from := fmt.Sprintf("49151000%04d", u)
		var want []string
		for k := range perUser {
			want = append(want, fmt.Sprintf("wamid.IN%02d-%d", u, k))
		}
		if got := fmt.Sprint(rcv.inbound[from]); got != fmt.Sprint(want) {
			if outOfOrder < 5 {
				t.Errorf("person %s: messages arrived as %s, want %v", from, got, want)
			}
			outOfOrder++
		}
	}
	if outOfOrder > 0 {
		t.Errorf("%d of %d messages and people out of order or incomplete after the outage", outOfOrder, messages+people)
	}
}

// inboundFrom is one text message from a person, alone in its change.
func inboundFrom(t *testing.T, from, id string, ts int64) []byte {
	t.Helper()
	v := map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]any{"display_phone_number": "15550001111", "phone_number_id": pnid},
		"contacts":          []any{map[string]any{"profile": map[string]any{"name": "P"}, "wa_id": from}},
		"messages":          []any{map[string]any{"from": from, "id": id, "timestamp": fmt.Sprint(ts), "type": "text", "text": map[string]any{"body": "hi"}}},
	}
	b, err := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{
		map[string]any{"id": wabaID, "time": ts, "changes": []any{map[string]any{"field": "messages", "value": v}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
