package inbound

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestHandshake(t *testing.T) {
	t.Parallel()
	r := newRig(t, newTestStore(t), 0)
	tests := []struct {
		name, mode, token string
		want              int
	}{
		{"matching token", "subscribe", "verify-me", http.StatusOK},
		{"wrong token", "subscribe", "verify-you", http.StatusForbidden},
		{"empty token", "subscribe", "", http.StatusForbidden},
		{"wrong mode", "unsubscribe", "verify-me", http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"hub.mode": {tc.mode}, "hub.verify_token": {tc.token}, "hub.challenge": {"1158201444"}}
			resp, err := r.srv.Client().Get(r.srv.URL + "?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusOK && string(body) != "1158201444" {
				t.Fatalf("body = %q, want the challenge", body)
			}
		})
	}
}

func TestPostRefusedStoresNothing(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	r := newRig(t, st, 0)
	valid := deliveryOf(t, event{metaID: "wamid.X", status: "sent", ts: 1})
	tests := []struct {
		name   string
		body   []byte
		sig    string
		want   int
		graphy bool
	}{
		{"missing signature", valid, "", http.StatusUnauthorized, true},
		{"wrong signature", valid, wire.Sign([]byte("not-the-secret"), valid), http.StatusForbidden, true},
		{"signature of other bytes", valid, wire.Sign(appSecret, append([]byte(" "), valid...)), http.StatusForbidden, true},
		{"malformed signature", valid, "sha1=abc", http.StatusForbidden, true},
		{"oversized", bytes.Repeat([]byte(" "), int(DefaultMaxBody)+1), "", http.StatusRequestEntityTooLarge, true},
		{"not a WABA object", []byte(`{"object":"page","entry":[]}`), "sign", http.StatusBadRequest, true},
		{"not JSON", []byte(`object=whatsapp_business_account`), "sign", http.StatusBadRequest, true},
		// Signed but not strict JSON: json.Unmarshal would take each of
		// these, repairing or choosing silently what is then stored.
		{"duplicate key", append([]byte(`{"object":"page",`), valid[1:]...), "sign", http.StatusBadRequest, true},
		{"invalid UTF-8", bytes.Replace(valid, []byte("wamid.X"), []byte("wamid.\xff"), 1), "sign", http.StatusBadRequest, true},
		{"lone surrogate", bytes.Replace(valid, []byte("wamid.X"), []byte(`wamid.\ud800`), 1), "sign", http.StatusBadRequest, true},
		{"too deep", []byte(string(valid[:len(valid)-1]) + `,"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`), "sign", http.StatusBadRequest, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, r.srv.URL, bytes.NewReader(tc.body))
			sig := tc.sig
			if sig == "sign" {
				sig = wire.Sign(appSecret, tc.body)
			}
			if sig != "" {
				req.Header.Set(wire.SignatureHeader, sig)
			}
			resp, err := r.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var env wire.ErrorEnvelope
			err = json.NewDecoder(resp.Body).Decode(&env)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tc.want)
			}
			if err != nil || env.Error == nil || env.Error.FBTraceID == "" {
				t.Fatalf("answer is not a Graph error envelope: %v", err)
			}
		})
	}
	ds, err := st.ClaimDeliveries(t.Context(), t0.Add(time.Hour), 100, time.Minute)
	if err != nil || len(ds) != 0 {
		t.Fatalf("refused posts stored %d deliveries (err %v)", len(ds), err)
	}
}

func TestDuplicateDeliveryAcceptedOnce(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	r := newRig(t, st, 0)
	body := deliveryOf(t, event{metaID: "wamid.X", status: "sent", ts: 1})
	for i := range 2 {
		if code := r.post(t, body); code != http.StatusOK {
			t.Fatalf("post %d = %d, want 200", i, code)
		}
	}
	ds, err := st.ClaimDeliveries(t.Context(), t0.Add(time.Hour), 100, time.Minute)
	if err != nil || len(ds) != 1 {
		t.Fatalf("stored %d deliveries, want 1 (err %v)", len(ds), err)
	}
	if !bytes.Equal(ds[0].Body, body) {
		t.Fatal("stored body differs from the bytes received")
	}
}

// TestFixtures posts every recorded Meta payload signed, and processes the
// log until nothing is left, including statuses of messages the gateway never
// sent (given up on after the retry period and forwarded as they are).
func TestFixtures(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	r := newRig(t, st, 0)
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	phones := map[string]bool{}
	posted := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var samples map[string]json.RawMessage
		if err := json.Unmarshal(raw, &samples); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, body := range samples {
			var n wire.Notification
			if err := json.Unmarshal(body, &n); err != nil {
				t.Fatalf("%s/%s: %v", f, name, err)
			}
			for _, e := range n.Entry {
				for _, c := range e.Changes {
					var v wire.MessagesValue
					_ = json.Unmarshal(c.Value, &v)
					if id := v.Metadata.PhoneNumberID; id != "" && !phones[id] {
						phones[id] = true
						seedTenant(t, st, "tenant-"+id, e.ID, id)
					}
				}
			}
			if code := r.post(t, body); code != http.StatusOK {
				t.Fatalf("%s/%s: status %d", f, name, code)
			}
			posted++
		}
	}
	r.drain(t)
	// Nothing in the fixtures was sent through the gateway: let the retry
	// period lapse so every unknown status is given up on.
	for range 12 {
		r.clk.Advance(time.Minute)
		r.drain(t)
	}
	if ds, _ := st.ClaimDeliveries(t.Context(), r.clk.Now().Add(time.Hour), 1000, time.Minute); len(ds) != 0 {
		t.Fatalf("%d deliveries left unprocessed", len(ds))
	}
	fws := r.forwards(t)
	if len(fws) < posted/2 {
		t.Fatalf("%d forwards from %d fixtures", len(fws), posted)
	}
	for _, f := range fws {
		canonical(t, f.Value)
	}
	in, err := st.ListInbound(t.Context(), pnid, 1000)
	if err != nil || len(in) == 0 {
		t.Fatalf("no inbound messages stored (err %v)", err)
	}
}

func TestStatusSequences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		statuses []string
		want     store.MessageState
	}{
		{"sent delivered read", []string{"sent", "delivered", "read"}, store.StateRead},
		{"read without delivered", []string{"sent", "read"}, store.StateRead},
		{"out of order", []string{"read", "delivered", "sent"}, store.StateRead},
		{"played voice note", []string{"sent", "delivered", "played"}, store.StateRead},
		{"failed is terminal", []string{"sent", "failed", "delivered", "read"}, store.StateFailed},
		{"delivered only", []string{"delivered"}, store.StateDelivered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newTestStore(t)
			seedTenant(t, st, tenantID, wabaID, pnid)
			seedMessage(t, st, "gw.1", "wamid.META1")
			r := newRig(t, st, 0)
			for i, s := range tc.statuses {
				if code := r.post(t, deliveryOf(t, event{metaID: "wamid.META1", status: s, ts: 1700000000 + int64(i)})); code != http.StatusOK {
					t.Fatalf("post %s: %d", s, code)
				}
				r.drain(t)
			}
			m, err := st.GetMessage(t.Context(), "gw.1")
			if err != nil {
				t.Fatal(err)
			}
			if m.State != tc.want {
				t.Fatalf("state = %s, want %s", m.State, tc.want)
			}
			fws := r.forwards(t)
			if len(fws) != len(tc.statuses) {
				t.Fatalf("%d forwards, want one per status (%d)", len(fws), len(tc.statuses))
			}
			var got []string
			for _, f := range fws {
				s := statusOf(t, f.Value)
				if s["id"] != "gw.1" || f.TenantID != tenantID || f.WABAID != wabaID || f.Field != "messages" {
					t.Fatalf("forward not mapped to the gateway's message: %+v %s", f, f.Value)
				}
				if s["recipient_id"] != "4915112345678" || s["pricing"] == nil {
					t.Fatalf("forward lost Meta's fields: %s", f.Value)
				}
				got = append(got, s["status"].(string))
			}
			slices.Sort(got)
			want := slices.Clone(tc.statuses)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("forwarded %v, want %v", got, want)
			}
			evs, err := st.StatusEvents(t.Context(), "gw.1")
			if err != nil || len(evs) != len(tc.statuses) {
				t.Fatalf("%d status events, want %d (err %v)", len(evs), len(tc.statuses), err)
			}
		})
	}
}

// replayEvents is a conversation: three messages go through their statuses,
// the user writes twice, once replying to the first message.
func replayEvents() []event {
	var evs []event
	for i, meta := range []string{"wamid.M1", "wamid.M2", "wamid.M3"} {
		base := int64(1700000000 + 100*i)
		evs = append(evs,
			event{metaID: meta, status: "sent", ts: base},
			event{metaID: meta, status: "delivered", ts: base + 1},
			event{metaID: meta, status: "read", ts: base + 2})
	}
	evs = append(evs,
		event{inboundID: "wamid.IN1", ts: 1700000050, replyTo: "wamid.M1"},
		event{inboundID: "wamid.IN2", ts: 1700000400},
		event{metaID: "wamid.M4", status: "failed", ts: 1700000500})
	return evs
}

type replayResult struct {
	states   map[string]store.MessageState
	events   int
	inbound  []string
	window   time.Time
	forwards []string
}

func runReplay(t *testing.T, batchSize int, deliveries [][]event) replayResult {
	t.Helper()
	st := newTestStore(t)
	seedTenant(t, st, tenantID, wabaID, pnid)
	ids := []string{"gw.1", "gw.2", "gw.3", "gw.4"}
	for i, id := range ids {
		seedMessage(t, st, id, "wamid.M"+string(rune('1'+i)))
	}
	r := newRig(t, st, batchSize)
	for _, d := range deliveries {
		if code := r.post(t, deliveryOf(t, d...)); code != http.StatusOK {
			t.Fatalf("post: %d", code)
		}
	}
	r.drain(t)
	res := replayResult{states: map[string]store.MessageState{}}
	for _, id := range ids {
		m, err := st.GetMessage(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		res.states[id] = m.State
		evs, err := st.StatusEvents(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		res.events += len(evs)
	}
	in, err := st.ListInbound(t.Context(), pnid, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range in {
		res.inbound = append(res.inbound, m.ID)
	}
	slices.Sort(res.inbound)
	if res.window, err = st.GetWindow(t.Context(), pnid, "4915112345678"); err != nil {
		t.Fatal(err)
	}
	fws := r.forwards(t)
	res.forwards = forwardSet(t, fws)
	return res
}

// TestReplay: the same updates delivered shuffled, regrouped and twice (the
// duplicates in other deliveries and other batches) end in exactly the state
// and the forwards of one in-order pass.
func TestReplay(t *testing.T) {
	t.Parallel()
	evs := replayEvents()
	var once [][]event
	for _, e := range evs {
		once = append(once, []event{e})
	}
	want := runReplay(t, 0, once)

	if want.states["gw.1"] != store.StateRead || want.states["gw.4"] != store.StateFailed || want.events != 10 {
		t.Fatalf("in-order pass: states %v, %d events", want.states, want.events)
	}
	if !slices.Equal(want.inbound, []string{"wamid.IN1", "wamid.IN2"}) || !want.window.Equal(time.Unix(1700000400, 0)) {
		t.Fatalf("in-order pass: inbound %v, window %v", want.inbound, want.window)
	}
	if len(want.forwards) != 12 {
		t.Fatalf("in-order pass: %d forwards, want 12", len(want.forwards))
	}
	reply := ""
	for _, f := range want.forwards {
		if strings.Contains(f, "wamid.IN1") {
			reply = f
		}
		if strings.Contains(f, `"wamid.M`) {
			t.Fatalf("a Meta id reached the tenant: %s", f)
		}
	}
	if !strings.Contains(reply, `"context":{"from":"15550001111","id":"gw.1"}`) {
		t.Fatalf("reply context not mapped to the gateway id: %s", reply)
	}

	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 7))
		var all []event
		all = append(all, evs...)
		all = append(all, evs...)
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		var ds [][]event
		for len(all) > 0 {
			n := min(1+rng.IntN(4), len(all))
			ds = append(ds, all[:n])
			all = all[n:]
		}
		got := runReplay(t, 1+rng.IntN(3), ds)
		if !equalStates(got.states, want.states) || got.events != want.events || !slices.Equal(got.inbound, want.inbound) || !got.window.Equal(want.window) {
			t.Fatalf("seed %d: state %+v, want %+v", seed, got, want)
		}
		if !slices.Equal(got.forwards, want.forwards) {
			t.Fatalf("seed %d: forwards differ:\n got %d %v\nwant %d %v", seed, len(got.forwards), got.forwards, len(want.forwards), want.forwards)
		}
	}
}

func equalStates(a, b map[string]store.MessageState) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestUnknownMetaIDRetried: Meta's webhook can overtake the dispatcher's
// commit of the send's outcome; the status waits for it, while a known status
// in the same delivery is applied at once and never forwarded twice.
func TestUnknownMetaIDRetried(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	seedTenant(t, st, tenantID, wabaID, pnid)
	seedMessage(t, st, "gw.known", "wamid.KNOWN")
	seedMessage(t, st, "gw.late", "")
	r := newRig(t, st, 0)
	body := deliveryOf(t, event{metaID: "wamid.LATE", status: "delivered", ts: 1700000001}, event{metaID: "wamid.KNOWN", status: "delivered", ts: 1700000002})
	if code := r.post(t, body); code != http.StatusOK {
		t.Fatal(code)
	}
	r.drain(t)
	if m, _ := st.GetMessage(t.Context(), "gw.known"); m.State != store.StateDelivered {
		t.Fatalf("known status not applied at once: %s", m.State)
	}
	if m, _ := st.GetMessage(t.Context(), "gw.late"); m.State != store.StateQueued {
		t.Fatalf("unknown status applied: %s", m.State)
	}
	r.drain(t) // not due yet: nothing happens
	recordSent(t, st, "gw.late", "wamid.LATE")
	r.clk.Advance(2 * time.Second)
	r.drain(t)
	if m, _ := st.GetMessage(t.Context(), "gw.late"); m.State != store.StateDelivered {
		t.Fatalf("status not applied after the outcome was recorded: %s", m.State)
	}
	r.clk.Advance(time.Hour)
	r.drain(t)
	var ids []string
	for _, f := range r.forwards(t) {
		ids = append(ids, statusOf(t, f.Value)["id"].(string))
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"gw.known", "gw.late"}) {
		t.Fatalf("forwarded %v, want each status once with gateway ids", ids)
	}
}

// TestUnknownMetaIDGivenUp: a status of a message sent around the gateway is
// forwarded unchanged to the number's tenant once the retry period lapsed.
func TestUnknownMetaIDGivenUp(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	seedTenant(t, st, tenantID, wabaID, pnid)
	r := newRig(t, st, 0)
	if code := r.post(t, deliveryOf(t, event{metaID: "wamid.ELSEWHERE", status: "read", ts: 1700000001})); code != http.StatusOK {
		t.Fatal(code)
	}
	for range 20 {
		r.drain(t)
		if len(r.forwards(t)) > 0 {
			t.Fatal("forwarded before the retry period lapsed")
		}
		r.clk.Advance(time.Minute)
		if r.clk.Now().Sub(t0) >= 10*time.Minute {
			break
		}
	}
	r.drain(t) // at the horizon exactly
	fws := r.forwards(t)
	if len(fws) != 1 || statusOf(t, fws[0].Value)["id"] != "wamid.ELSEWHERE" || fws[0].TenantID != tenantID {
		t.Fatalf("forwards = %+v", fws)
	}
	if ds, _ := st.ClaimDeliveries(t.Context(), r.clk.Now().Add(24*time.Hour), 10, time.Minute); len(ds) != 0 {
		t.Fatal("given-up delivery still due")
	}
}

func TestUnparseableDeliveryIsNotRetried(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	r := newRig(t, st, 0)
	d := &store.Delivery{DedupeKey: "x", Body: []byte(`{"object":"whatsapp_business_account","entry":"oops"}`), ReceivedAt: t0}
	if err := st.AppendDeliveries(t.Context(), []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	if n, err := r.p.ProcessOnce(t.Context()); n != 1 || err != nil {
		t.Fatalf("ProcessOnce = %d, %v", n, err)
	}
	if ds, _ := st.ClaimDeliveries(t.Context(), t0.Add(24*time.Hour), 10, time.Minute); len(ds) != 0 {
		t.Fatal("unparseable delivery is due again")
	}
}

// TestOtherFieldsGoToTheWABAOwnerOnce checks that a field other than
// messages reaches the WABA's one owner once, however many of its numbers
// the WABA has, unchanged, and no tenant of another WABA.
func TestOtherFieldsGoToTheWABAOwnerOnce(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	seedTenant(t, st, "tenant-a", wabaID, "111")
	seedTenant(t, st, "tenant-a", wabaID, "222")
	seedTenant(t, st, "tenant-c", "other-waba", "333")
	r := newRig(t, st, 0)
	value := `{"event":"FLAGGED","display_phone_number":"15550001111","current_limit":"TIER_10K"}`
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"` + wabaID + `","time":1700000000,"changes":[{"field":"phone_number_quality_update","value":` + value + `}]}]}`)
	if code := r.post(t, body); code != http.StatusOK {
		t.Fatal(code)
	}
	r.drain(t)
	var tenants []string
	for _, f := range r.forwards(t) {
		if f.Field != "phone_number_quality_update" || string(f.Value) != value {
			t.Fatalf("forward changed the value: %s %s", f.Field, f.Value)
		}
		tenants = append(tenants, f.TenantID)
	}
	slices.Sort(tenants)
	if !slices.Equal(tenants, []string{"tenant-a"}) {
		t.Fatalf("forwarded to %v", tenants)
	}
}
