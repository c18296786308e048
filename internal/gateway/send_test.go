package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestSendAcceptsAndAnswersLikeMeta(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Odd spacing and an unmodelled field must reach Meta untouched.
	body := `{ "messaging_product": "whatsapp", "to":  "+1 (650) 555-1234",` + "\n" +
		`  "type": "text", "text": {"body": "hi", "preview_url": false}, "x_extra": [1, 2] }`
	r := request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", body, map[string]string{
		"Authorization": "Bearer " + e.keyA, "Content-Type": "application/json", "X-Request-Id": "req-123"})
	sr := decodeSend(t, r)
	if got := r.header.Get("X-Request-Id"); got != "req-123" {
		t.Errorf("X-Request-Id = %q, want it echoed", got)
	}
	if sr.MessagingProduct != "whatsapp" || len(sr.Contacts) != 1 || len(sr.Messages) != 1 {
		t.Fatalf("shape: %s", r.body)
	}
	if c := sr.Contacts[0]; c.Input != "+1 (650) 555-1234" || c.WaID != "16505551234" {
		t.Errorf("contact = %+v", c)
	}
	m := sr.Messages[0]
	if !strings.HasPrefix(m.ID, "wamid.") || m.MessageStatus != "" {
		t.Errorf("message = %+v; want a wamid and no message_status for text", m)
	}
	var raw map[string]json.RawMessage
	must(t, json.Unmarshal(r.body, &raw))
	if len(raw) != 3 {
		t.Errorf("answer has fields %v, want exactly Meta's three", raw)
	}

	msg, err := e.st.GetMessage(context.Background(), m.ID)
	must(t, err)
	wantBody := strings.Replace(body, `"+1 (650) 555-1234"`, `"+16505551234"`, 1)
	if string(msg.Body) != wantBody {
		t.Errorf("stored body\n got %s\nwant %s", msg.Body, wantBody)
	}
	if msg.TenantID != "tenant-a" || msg.SenderID != pnA || msg.WaID != "16505551234" || msg.Input != "+1 (650) 555-1234" ||
		msg.Type != "text" || msg.Category != "service" || msg.State != store.StateQueued {
		t.Errorf("stored message = %+v", msg)
	}
	if c, ok := e.notified.Load(pnA); !ok || c.(interface{ Load() int64 }).Load() != 1 {
		t.Error("dispatcher of the sender was not notified once")
	}
	ds := e.decisions()
	if len(ds) != 1 || ds[0].Outcome != store.OutcomeAllow || ds[0].MessageID != m.ID {
		t.Errorf("decisions = %+v, want one allow for the message", ds)
	}
}

func TestSendUnversionedAndTemplateStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	sr := decodeSend(t, request(t, e.srv, "POST", "/"+pnA+"/messages", body, bearer(e.keyA)))
	if sr.Messages[0].MessageStatus != wire.MessageStatusAccepted {
		t.Errorf("template answer message_status = %q, want accepted", sr.Messages[0].MessageStatus)
	}
	// SDKs that send no Content-Type are accepted.
	decodeSend(t, request(t, e.srv, "POST", "/v24.0/"+pnA+"/messages", textBody("+15551230000", "x"),
		map[string]string{"Authorization": "Bearer " + e.keyA}))
}

func TestSendAuthAndOwnership(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/v23.0/" + pnA + "/messages"
	body := textBody("+15551230000", "hello")

	r := request(t, e.srv, "POST", path, body, map[string]string{"Content-Type": "application/json"})
	if er := wantErr(t, r, http.StatusUnauthorized, wire.CodeAccessToken); !strings.Contains(er.Message, "active access token") {
		t.Errorf("missing token message = %q", er.Message)
	}
	r = request(t, e.srv, "POST", path, body, bearer("wg_nope_notakey"))
	if er := wantErr(t, r, http.StatusUnauthorized, wire.CodeAccessToken); !strings.Contains(er.Message, "Cannot parse access token") {
		t.Errorf("bad token message = %q", er.Message)
	}
	wantErr(t, request(t, e.srv, "POST", path, body, bearer(e.revoked)), http.StatusUnauthorized, wire.CodeAccessToken)
	// Tenant B names tenant A's number: the answer is Graph's for an id
	// that does not exist, so B cannot tell A's number from none.
	wantUnknown(t, request(t, e.srv, "POST", path, body, bearer(e.keyB)), "POST", pnA)
	// A number the gateway does not know.
	wantErr(t, request(t, e.srv, "POST", "/v23.0/7777/messages", body, bearer(e.keyA)), http.StatusBadRequest, wire.CodeInvalidParameter)
	// Ownership is decided before the body is read: a tenant probing another
	// tenant's number with garbage learns nothing about the schema.
	wantUnknown(t, request(t, e.srv, "POST", path, `{"messaging_product":`, bearer(e.keyB)), "POST", pnA)
	wantUnknown(t, request(t, e.srv, "POST", "/v23.0/"+pnB+"/messages", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.x"}`, bearer(e.keyA)), "POST", pnB)

	if n := e.depth(); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
	ds := e.decisions()
	codes := map[string]bool{}
	for _, d := range ds {
		codes[d.Code] = true
	}
	if len(ds) != 4 || !codes["ownership.foreign_sender"] || !codes["ownership.unknown_sender"] {
		t.Errorf("decisions = %+v; want the four ownership refusals (auth failures have no tenant)", ds)
	}
}

func TestSendBadRequestsAreGraph4xxAndStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *gateway.Config, _ *env) { c.MaxBody = 512 })
	path := "/v23.0/" + pnA + "/messages"
	cases := []struct {
		name    string
		body    string
		headers map[string]string
		status  int
	}{
		{"malformed json", `{"messaging_product":"whatsapp","to":`, bearer(e.keyA), 400},
		{"wrong type", `{"messaging_product":"whatsapp","to":15551230000,"type":"text","text":{"body":"x"}}`, bearer(e.keyA), 400},
		{"unknown type", `{"messaging_product":"whatsapp","to":"+15551230000","type":"hologram","hologram":{}}`, bearer(e.keyA), 400},
		{"oversized", textBody("+15551230000", strings.Repeat("a", 600)), bearer(e.keyA), 413},
		{"form content type", textBody("+15551230000", "x"), map[string]string{"Authorization": "Bearer " + e.keyA, "Content-Type": "application/x-www-form-urlencoded"}, 400},
		{"policy rejection", textBody(rejectTo, "x"), bearer(e.keyA), 400},
		{"idempotency key too long", textBody("+15551230000", "x"), map[string]string{"Authorization": "Bearer " + e.keyA, "Idempotency-Key": strings.Repeat("k", 256)}, 400},
	}
	graphCodes := map[int]int{}
	for _, c := range cases {
		r := request(t, e.srv, "POST", path, c.body, c.headers)
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.body)
			continue
		}
		graphCodes[graphErr(t, r).Code]++
	}
	if n := e.depth(); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
	ds := e.decisions()
	if len(ds) != len(cases) {
		t.Fatalf("%d decisions stored, want one per refusal (%d): %+v", len(ds), len(cases), ds)
	}
	for _, d := range ds {
		if d.Outcome != store.OutcomeReject || d.Code == "" || d.Rule == "" || d.Reason == "" ||
			d.TenantID != "tenant-a" || d.SenderID != pnA || d.MessageID != "" {
			t.Errorf("incomplete rejection record %+v", d)
		}
		graphCodes[d.GraphCode]--
	}
	for code, n := range graphCodes {
		if n != 0 {
			t.Errorf("graph code %d: answers and stored decisions differ by %d", code, n)
		}
	}
}

func TestPolicyRejectionAndDeferral(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, func(c *gateway.Config, _ *env) { c.Now = func() time.Time { return now } })
	path := "/v23.0/" + pnA + "/messages"

	r := request(t, e.srv, "POST", path, textBody(rejectTo, "x"), bearer(e.keyA))
	er := wantErr(t, r, http.StatusBadRequest, wire.CodeParameterInvalid)
	if !strings.Contains(er.Details(), "not a valid phone number") {
		t.Errorf("details = %q, want the rule's reason", er.Details())
	}

	sr := decodeSend(t, request(t, e.srv, "POST", path, textBody(deferTo, "later"), bearer(e.keyA)))
	msg, err := e.st.GetMessage(context.Background(), sr.Messages[0].ID)
	must(t, err)
	if !msg.NextAttemptAt.Equal(now.Add(time.Hour)) {
		t.Errorf("deferred NextAttemptAt = %v, want %v", msg.NextAttemptAt, now.Add(time.Hour))
	}

	byOutcome := map[store.DecisionOutcome]store.Decision{}
	for _, d := range e.decisions() {
		byOutcome[d.Outcome] = d
	}
	rej := byOutcome[store.OutcomeReject]
	if rej.Rule != "recipient" || rej.Code != "recipient.invalid" || rej.GraphCode != wire.CodeParameterInvalid {
		t.Errorf("stored rejection = %+v", rej)
	}
	def := byOutcome[store.OutcomeDefer]
	if def.Code != "quiet_hours.night" || def.MessageID != msg.ID || !def.Until.Equal(now.Add(time.Hour)) {
		t.Errorf("stored deferral = %+v", def)
	}
}

func TestIdempotencyReplaysFirstAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/v23.0/" + pnA + "/messages"
	h := bearer(e.keyA)
	h["Idempotency-Key"] = "order-42"

	first := request(t, e.srv, "POST", path, textBody("+15551230000", "once"), h)
	decodeSend(t, first)
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Error("first answer marked as replayed")
	}
	second := request(t, e.srv, "POST", path, textBody("+15551230000", "once"), h)
	if second.status != 200 || string(second.body) != string(first.body) || second.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %d %q replayed=%q; want the first answer byte for byte", second.status, second.body, second.header.Get("Idempotent-Replayed"))
	}
	// The same key of another tenant is another key.
	hb := bearer(e.keyB)
	hb["Idempotency-Key"] = "order-42"
	other := request(t, e.srv, "POST", "/v23.0/"+pnB+"/messages", textBody("+15551230000", "once"), hb)
	if decodeSend(t, other); other.header.Get("Idempotent-Replayed") != "" {
		t.Error("a key of tenant A replayed for tenant B")
	}
	if n := e.depth(); n != 2 {
		t.Errorf("%d messages stored, want 2", n)
	}
}

func TestIdempotencyConcurrentSameKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := bearer(e.keyA)
	h["Idempotency-Key"] = "burst"
	const n = 20
	answers := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "same"), h)
		})
	}
	wg.Wait()
	replayed := 0
	for _, a := range answers {
		if a.status != 200 || string(a.body) != string(answers[0].body) {
			t.Fatalf("answers differ: %d %s vs %s", a.status, a.body, answers[0].body)
		}
		if a.header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != n-1 {
		t.Errorf("%d replayed answers, want %d", replayed, n-1)
	}
	if d := e.depth(); d != 1 {
		t.Errorf("%d messages stored, want 1", d)
	}
	if seen := e.seen.Load(); seen != 1 {
		t.Errorf("pipeline ran %d times, want once", seen)
	}
}

// racyStore hides the stored answer from the first lookup, as when another
// replica commits the same key between our lookup and our commit.
type racyStore struct {
	testStore
	hid sync.Once
}

func (r *racyStore) GetIdempotency(ctx context.Context, tenantID, key string) (store.Idempotency, error) {
	hide := false
	r.hid.Do(func() { hide = true })
	if hide {
		return store.Idempotency{}, store.ErrNotFound
	}
	return r.testStore.GetIdempotency(ctx, tenantID, key)
}

func TestIdempotencyDuplicateFromAnotherReplica(t *testing.T) {
	t.Parallel()
	var racy *racyStore
	e := newEnv(t, func(c *gateway.Config, e *env) {
		racy = &racyStore{testStore: e.st}
		c.Store = racy
	})
	winner := []byte(`{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"1"}],"messages":[{"id":"wamid.OTHER"}]}`)
	must(t, e.st.CommitIntake(context.Background(), []*store.Intake{{
		Decision:    store.Decision{TenantID: "tenant-a", SenderID: pnA, Outcome: store.OutcomeAllow},
		Idempotency: &store.Idempotency{TenantID: "tenant-a", Key: "k1", StatusCode: 200, Response: winner},
	}}))
	h := bearer(e.keyA)
	h["Idempotency-Key"] = "k1"
	r := request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "x"), h)
	if r.status != 200 || string(r.body) != string(winner) || r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("got %d %s, want the other replica's answer replayed", r.status, r.body)
	}
	if d := e.depth(); d != 0 {
		t.Errorf("%d messages stored, want none (the key was taken)", d)
	}
}

func TestIdempotencyRejectionNotStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := bearer(e.keyA)
	h["Idempotency-Key"] = "fix-and-retry"
	wantErr(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody(rejectTo, "x"), h), 400, wire.CodeParameterInvalid)
	r := request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "x"), h)
	if decodeSend(t, r); r.header.Get("Idempotent-Replayed") != "" {
		t.Error("a corrected retry replayed the refusal")
	}
}

func TestGroupCommitSharesTransactions(t *testing.T) {
	t.Parallel()
	const n = 200
	e := newEnv(t)
	// Hold the first flush open until every request has passed the
	// pipeline, so the rest queue behind it and must share later flushes.
	var once sync.Once
	e.st.gate = func() {
		once.Do(func() {
			deadline := time.Now().Add(20 * time.Second)
			for e.seen.Load() < n && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		})
	}
	var wg sync.WaitGroup
	var failed sync.Map
	for i := range n {
		wg.Go(func() {
			r := request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody(fmt.Sprintf("+1555123%04d", i), "hi"), bearer(e.keyA))
			if r.status != 200 {
				failed.Store(i, string(r.body))
			}
		})
	}
	wg.Wait()
	failed.Range(func(k, v any) bool { t.Errorf("request %v: %v", k, v); return true })
	if d := e.depth(); d != n {
		t.Errorf("%d messages stored, want %d", d, n)
	}
	if c := e.st.commits.Load(); c >= n {
		t.Errorf("%d transactions for %d requests; group commit did not group", c, n)
	}
}

func TestStoreFailureIsGraph500(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.st.fail.Store(true)
	r := request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "x"), bearer(e.keyA))
	wantErr(t, r, http.StatusInternalServerError, wire.CodeUnknownRequest)
	if strings.Contains(string(r.body), "disk on fire") {
		t.Error("the store's error leaked to the client")
	}
	e.st.fail.Store(false)
	decodeSend(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "x"), bearer(e.keyA)))
}

func TestPanicIsGraph500(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantErr(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody(panicTo, "x"), bearer(e.keyA)),
		http.StatusInternalServerError, wire.CodeUnknownRequest)
	decodeSend(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "x"), bearer(e.keyA)))
}
