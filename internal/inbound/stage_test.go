package inbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/egress"
	"github.com/wabaguard/wabaguard/internal/forward"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
)

// onBothStores runs a test against the real SQLite and PostgreSQL engines.
func onBothStores(t *testing.T, test func(t *testing.T, st testStore)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, newTestStore(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		box, err := secret.NewBox(secret.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		st, err := postgres.Open(t.Context(), pgtest.DSN(t), box)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		test(t, st)
	})
}

// mixedDelivery is one delivery with a status of a gateway message, an
// inbound message and a field the gateway does not know.
func mixedDelivery(t *testing.T, entryTime int64, metaID, inboundID string) []byte {
	t.Helper()
	status := event{metaID: metaID, status: "delivered", ts: 10}.change()
	in := event{inboundID: inboundID, ts: 11}.change()
	return notification(t, entryTime,
		change{field: "messages", value: status["value"].(map[string]any)},
		change{field: "messages", value: in["value"].(map[string]any)},
		change{field: "some_field_meta_adds_later", value: map[string]any{"metadata": metadata(), "what": "new"}})
}

// TestFailingStagerRunsTheBatchAgain: a stager that fails after the
// forward stager staged its forwards rolls the whole batch back — no status
// event, no inbound message, no window, no forward — and the batch runs
// again once its lease ends, then forwards each event exactly once.
func TestFailingStagerRunsTheBatchAgain(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st testStore) {
		seedTenant(t, st, tenantID, wabaID, pnid)
		seedMessage(t, st, "gw-1", "wamid.ST")
		r := newRig(t, st, 0)
		boom := errors.New("stager unreachable")
		failures := 1
		bus := forwarding()
		bus.SubscribeStager("flaky", signal.StagerFunc(func(context.Context, []signal.Signal, *signal.Staging) error {
			if failures > 0 {
				failures--
				return boom
			}
			return nil
		}))
		const lease = time.Minute
		r.p = NewProcessor(st, ProcessorConfig{Now: r.clk.Now, Lease: lease, Signals: bus})
		if code := r.post(t, mixedDelivery(t, 1700000000, "wamid.ST", "wamid.IN")); code != http.StatusOK {
			t.Fatalf("post = %d", code)
		}

		if _, err := r.p.ProcessOnce(r.ctx); !errors.Is(err, boom) {
			t.Fatalf("ProcessOnce with a failing stager = %v, want the stager's error", err)
		}
		if evs, err := st.StatusEvents(r.ctx, "gw-1"); err != nil || len(evs) != 0 {
			t.Errorf("status events after the failed batch = %v, %v; want none", evs, err)
		}
		if m, err := st.GetMessage(r.ctx, "gw-1"); err != nil || m.State != store.StateSent {
			t.Errorf("message after the failed batch = %v, %v; want still sent", m.State, err)
		}
		if in, err := st.ListInbound(r.ctx, pnid, 0); err != nil || len(in) != 0 {
			t.Errorf("inbound after the failed batch = %d, %v; want none", len(in), err)
		}
		if at, err := st.GetWindow(r.ctx, pnid, "4915112345678"); err != nil || !at.IsZero() {
			t.Errorf("window after the failed batch = %v, %v; want none", at, err)
		}
		if fws := r.forwards(t); len(fws) != 0 {
			t.Errorf("forwards after the failed batch = %v, want none", forwardSet(t, fws))
		}
		if n, err := r.p.ProcessOnce(r.ctx); err != nil || n != 0 {
			t.Fatalf("ProcessOnce inside the lease = %d, %v; want the delivery still held", n, err)
		}

		r.clk.Advance(lease + time.Second)
		r.drain(t)
		fws := r.forwards(t)
		var fields []string
		for _, f := range fws {
			fields = append(fields, f.Field)
		}
		slices.Sort(fields)
		if want := []string{"messages", "messages", "some_field_meta_adds_later"}; !slices.Equal(fields, want) {
			t.Fatalf("forwards after the second pass = %v, want %v", fields, want)
		}
		if evs, err := st.StatusEvents(r.ctx, "gw-1"); err != nil || len(evs) != 1 {
			t.Errorf("status events = %v, %v; want the delivered one", evs, err)
		}
		if in, err := st.ListInbound(r.ctx, pnid, 0); err != nil || len(in) != 1 {
			t.Errorf("inbound = %d, %v; want 1", len(in), err)
		}
	})
}

// seen is what a recording stager saw of one signal.
type seen struct {
	kind       signal.Kind
	id, ref    string
	new        bool
	withChange bool
}

// TestForwardingIsASubscriber: forwarding happens because the forward
// stager is subscribed, as any other subscriber is — a bus without it
// stores every effect and forwards nothing — and stagers see the resolved
// reference and the store's word on which events are new.
func TestForwardingIsASubscriber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		forward      bool
		wantForwards int
	}{
		{"without the forward stager", false, 0},
		// The first delivery's three events; of the second, only the
		// inbound message new in it (the status and the field are repeats).
		{"with the forward stager", true, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newTestStore(t)
			seedTenant(t, st, tenantID, wabaID, pnid)
			seedMessage(t, st, "gw-1", "wamid.ST")
			r := newRig(t, st, 0)
			var bus signal.Bus
			if tc.forward {
				bus.SubscribeStager("forward", forward.Stager{})
			}
			var (
				mu  sync.Mutex
				got []seen
			)
			bus.SubscribeStager("recorder", signal.StagerFunc(func(_ context.Context, batch []signal.Signal, _ *signal.Staging) error {
				mu.Lock()
				defer mu.Unlock()
				for _, s := range batch {
					got = append(got, seen{s.Kind, s.MessageID, s.Ref.ID, s.New, s.Change != nil})
				}
				return nil
			}))
			r.p = NewProcessor(st, ProcessorConfig{Now: r.clk.Now, Signals: &bus})
			r.post(t, mixedDelivery(t, 1700000000, "wamid.ST", "wamid.IN1"))
			r.drain(t)
			// Meta again, in another delivery: the same status and field,
			// a new inbound message.
			r.post(t, mixedDelivery(t, 1700000000, "wamid.ST", "wamid.IN2"))
			r.drain(t)

			if fws := r.forwards(t); len(fws) != tc.wantForwards {
				t.Errorf("forwards = %d, want %d: %v", len(fws), tc.wantForwards, forwardSet(t, fws))
			}
			if evs, err := st.StatusEvents(r.ctx, "gw-1"); err != nil || len(evs) != 1 {
				t.Errorf("status events = %v, %v; want one whatever is subscribed", evs, err)
			}
			want := []seen{
				{signal.Status, "wamid.ST", "gw-1", true, true},
				{signal.Inbound, "wamid.IN1", "", true, true},
				{signal.Event, "", "", true, true},
				{signal.Status, "wamid.ST", "gw-1", false, true}, // the store knows it
				{signal.Inbound, "wamid.IN2", "", true, true},
				{signal.Event, "", "", true, true}, // deduplicated by its forward's key
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, want) {
				t.Errorf("stager saw\n %v\nwant\n %v", got, want)
			}
		})
	}
}

// TestUnknownFieldReachesTheTenantByteForByte: a field the gateway does not
// know, in a key order and number formats that decoding into Go values
// would change, is stored, forwarded, and posted to the tenant's endpoint
// exactly as Meta sent it. (The forwarder writes strings escaped as Meta
// does, non-ASCII as \uXXXX: this value, ASCII as Meta's own, is untouched.)
func TestUnknownFieldReachesTheTenantByteForByte(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st testStore) {
		var (
			mu     sync.Mutex
			bodies [][]byte
		)
		tenant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			b, _ := io.ReadAll(req.Body)
			mu.Lock()
			bodies = append(bodies, b)
			mu.Unlock()
		}))
		t.Cleanup(tenant.Close)
		seedTenant(t, st, tenantID, wabaID, pnid)
		if err := st.PutTenant(t.Context(), store.Tenant{ID: tenantID, Name: tenantID, WebhookURL: tenant.URL, WebhookSecret: "s", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		r := newRig(t, st, 0)
		value := `{"zeta":1.50,"alpha":[{"n":1e3,"s":"a b"}],"metadata":{"phone_number_id":"` + pnid + `"},"empty":{}}`
		body := fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":%q,"time":1700000000,"changes":[{"field":"brand_new_field","value":%s}]}]}`, wabaID, value)
		if code := r.post(t, body); code != http.StatusOK {
			t.Fatalf("post = %d", code)
		}
		r.drain(t)
		fwd := forward.New(st, forward.Config{Destinations: egress.Policy{AllowLoopback: true}})
		if _, err := fwd.DeliverOnce(r.ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(bodies) != 1 {
			t.Fatalf("tenant got %d posts, want 1", len(bodies))
		}
		var n struct {
			Entry []struct {
				ID      string `json:"id"`
				Time    int64  `json:"time"`
				Changes []struct {
					Field string          `json:"field"`
					Value json.RawMessage `json:"value"`
				} `json:"changes"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(bodies[0], &n); err != nil {
			t.Fatal(err)
		}
		if len(n.Entry) != 1 || len(n.Entry[0].Changes) != 1 {
			t.Fatalf("tenant's envelope = %s", bodies[0])
		}
		e, c := n.Entry[0], n.Entry[0].Changes[0]
		if e.ID != wabaID || e.Time != 1700000000 || c.Field != "brand_new_field" {
			t.Errorf("envelope = %s/%d/%s, want %s/1700000000/brand_new_field", e.ID, e.Time, c.Field, wabaID)
		}
		if !bytes.Equal(c.Value, []byte(value)) {
			t.Errorf("tenant's value\n %s\nwant Meta's bytes\n %s", c.Value, value)
		}
	})
}
