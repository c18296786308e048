package intake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

const (
	pnid    = "109000000000001"
	contact = "+5511987654321"
	waID    = "5511987654321"
)

type env struct {
	st     *sqlite.Store
	ledger *consent.Ledger
	facts  *intake.Facts
	svc    *intake.Service
	reads  *countingConsent
}

// countingConsent counts the ledger reads that reach the store.
type countingConsent struct {
	l *consent.Ledger
	n atomic.Int64
}

func (c *countingConsent) CurrentByWaID(ctx context.Context, tenantID, waID string) (consent.Current, error) {
	c.n.Add(1)
	return c.l.CurrentByWaID(ctx, tenantID, waID)
}

func newEnv(t testing.TB, now func() time.Time) *env {
	return newEnvRules(t, now, policy.New(policy.Suppression{}, policy.Consent{}, policy.Window{}))
}

func newEnvRules(t testing.TB, now func() time.Time, rules *policy.Pipeline) *env {
	t.Helper()
	box, _ := secret.NewBox(secret.NewKey())
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "w.db"), box)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := t.Context()
	if err := st.PutTenant(ctx, store.Tenant{ID: "acme", Name: "Acme", CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: pnid, TenantID: "acme", WABAID: "209000000000001", DisplayPhoneNumber: "+55 11 4000-1000", ThroughputMPS: 80}); err != nil {
		t.Fatal(err)
	}
	e := &env{st: st}
	e.ledger = consent.New(st, consent.WithClock(now), consent.WithOnChange(func(tenantID, waID string) { e.facts.Forget(tenantID, waID) }))
	e.reads = &countingConsent{l: e.ledger}
	e.facts = intake.NewFacts(intake.FactsConfig{Consent: e.reads, Windows: st, Identities: st, Failures: st, TTL: time.Hour, Now: now})
	svc, err := intake.New(intake.Config{
		Store: st, Pipeline: policy.New(policy.DefaultRules("BR")...),
		Rules: rules, Facts: e.facts, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	e.svc = svc
	return e
}

const tmpl = `{"messaging_product":"whatsapp","to":"` + contact + `","type":"template","template":{"name":"promo","language":{"code":"pt_BR"}}}`

func (e *env) optIn(t testing.TB, at time.Time) {
	t.Helper()
	if _, err := e.ledger.Record(t.Context(), consent.Request{TenantID: "acme", Contact: contact, Action: consent.OptIn,
		Category: consent.All, Source: consent.WebForm,
		Evidence: consent.Evidence{Text: "Aceito receber mensagens", URL: "https://acme.example/f", At: at}}); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptOutcomes(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := newEnv(t, clock)
	ctx := t.Context()
	req := intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(tmpl), Lang: refusal.EN}

	res, err := e.svc.Accept(ctx, req)
	if err != nil || res.Outcome != intake.Refused || res.Decision.Refusal != refusal.NoConsent || res.Status != http.StatusForbidden {
		t.Fatalf("without consent: %+v %v", res, err)
	}
	e.optIn(t, now.Add(-time.Minute))
	res, err = e.svc.Accept(ctx, req)
	if err != nil || res.Outcome != intake.Accepted || res.MessageID == "" {
		t.Fatalf("with consent: %+v %v", res, err)
	}
	var ans struct {
		Messages []struct {
			ID            string `json:"id"`
			MessageStatus string `json:"message_status"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(res.Answer, &ans); err != nil || ans.Messages[0].ID != res.MessageID || ans.Messages[0].MessageStatus != "accepted" {
		t.Fatalf("answer %s", res.Answer)
	}
	m, err := e.st.GetMessage(ctx, res.MessageID)
	if err != nil || m.WaID != waID || m.Category != "marketing" || m.State != store.StateQueued {
		t.Fatalf("stored %+v %v", m, err)
	}

	// The same idempotency key replays the first answer byte for byte.
	req.IdempotencyKey = "order-42"
	first, err := e.svc.Accept(ctx, req)
	if err != nil || first.Outcome != intake.Accepted {
		t.Fatal(first, err)
	}
	again, err := e.svc.Accept(ctx, req)
	if err != nil || again.Outcome != intake.Replayed || string(again.Answer) != string(first.Answer) {
		t.Fatalf("replay: %+v %v", again, err)
	}

	// Someone else's number is unknown, whatever the body.
	other := intake.Request{TenantID: "globex", PhoneNumberID: pnid, Body: []byte(tmpl)}
	if res, err := e.svc.Accept(ctx, other); err != nil || res.Outcome != intake.Refused || res.Decision.Rule != "ownership" {
		t.Fatalf("foreign sender: %+v %v", res, err)
	}
	// Mark-as-read is relayed, not queued.
	read := intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`)}
	if res, err := e.svc.Accept(ctx, read); err != nil || res.Outcome != intake.Relay {
		t.Fatalf("mark read: %+v %v", res, err)
	}
	// Evaluate decides without writing.
	before, _ := e.st.QueueDepth(ctx)
	if d, _, err := e.svc.Evaluate(ctx, intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(tmpl)}); err != nil || d.Outcome != policy.Allow {
		t.Fatalf("evaluate: %+v %v", d, err)
	}
	if after, _ := e.st.QueueDepth(ctx); after[pnid] != before[pnid] {
		t.Fatalf("evaluate queued a message: %d → %d", before[pnid], after[pnid])
	}
}

func TestFactsCache(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, clock)
	ctx := t.Context()
	req := intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(tmpl)}
	e.optIn(t, now.Add(-time.Minute))

	for range 50 {
		if res, err := e.svc.Accept(ctx, req); err != nil || res.Outcome != intake.Accepted {
			t.Fatalf("%+v %v", res, err)
		}
	}
	if n := e.reads.n.Load(); n != 1 {
		t.Fatalf("50 sends to one contact read the ledger %d times, want 1", n)
	}
	// An opt-out through the ledger reaches the cache at once.
	if _, err := e.ledger.Record(ctx, consent.Request{TenantID: "acme", Contact: contact, Action: consent.OptOut,
		Category: consent.All, Source: consent.API, Evidence: consent.Evidence{At: now}}); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.svc.Accept(ctx, req); res.Outcome != intake.Refused || res.Decision.Refusal != refusal.OptedOut {
		t.Fatalf("after opt-out: %+v", res)
	}
	// Fresh bypasses the cache.
	m := &policy.Message{TenantID: "acme", PhoneNumberID: pnid, WaID: waID, Now: now}
	n := e.reads.n.Load()
	if _, err := e.facts.Fresh(ctx, m); err != nil || e.reads.n.Load() != n+1 {
		t.Fatalf("Fresh did not read the store: %v", err)
	}

	// Windows: a closed one is read again each time (the person may have
	// just written), an open one is served from memory.
	text := intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(`{"messaging_product":"whatsapp","to":"` + contact + `","type":"text","text":{"body":"oi"}}`)}
	e.optIn(t, now)
	if res, _ := e.svc.Accept(ctx, text); res.Decision.Refusal != refusal.WindowClosed {
		t.Fatalf("no window: %+v", res.Decision)
	}
	if err := e.st.ApplyWebhooks(ctx, store.WebhookApply{Windows: []store.Window{{SenderID: pnid, WaID: waID, At: now.Add(-time.Minute)}}}); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.svc.Accept(ctx, text); res.Outcome != intake.Accepted {
		t.Fatalf("window opened by another replica not seen: %+v", res.Decision)
	}
	mu.Lock()
	now = now.Add(24 * time.Hour)
	mu.Unlock()
	if res, _ := e.svc.Accept(ctx, text); res.Decision.Refusal != refusal.WindowClosed {
		t.Fatalf("24 h later: %+v", res.Decision)
	}
}

// A person known only by a business-scoped user id is gated like a number:
// the ledger keys the BSUID.
func TestBSUIDRecipientsNeedConsentToo(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, func() time.Time { return now })
	ctx := t.Context()
	const bsuid = "BR.1349120865530274"
	body := `{"messaging_product":"whatsapp","to":"` + bsuid + `","type":"template","template":{"name":"promo","language":{"code":"pt_BR"}}}`
	req := intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(body)}
	if res, _ := e.svc.Accept(ctx, req); res.Decision.Refusal != refusal.NoConsent {
		t.Fatalf("no consent for the BSUID: %+v", res.Decision)
	}
	if _, err := e.ledger.Record(ctx, consent.Request{TenantID: "acme", Contact: bsuid, Action: consent.OptIn, Category: consent.Marketing,
		Source: consent.WebForm, Evidence: consent.Evidence{Text: "Aceito", URL: "https://acme.example/f", At: now}}); err != nil {
		t.Fatal(err)
	}
	if res, err := e.svc.Accept(ctx, req); err != nil || res.Outcome != intake.Accepted {
		t.Fatalf("with consent: %+v %v", res, err)
	}
	if _, err := e.ledger.Record(ctx, consent.Request{TenantID: "acme", Contact: bsuid, Action: consent.OptOut, Category: consent.All,
		Source: consent.WhatsAppKeyword, Evidence: consent.Evidence{Text: "PARAR", At: now}}); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.svc.Accept(ctx, req); res.Decision.Refusal != refusal.OptedOut {
		t.Fatalf("after the BSUID's opt-out: %+v", res.Decision)
	}
}

// One person, two names: consent recorded under the BSUID holds for sends
// to the number and the other way round, the latest record winning.
func TestConsentFollowsThePersonAcrossNames(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, func() time.Time { return now })
	ctx := t.Context()
	const bsuid = "BR.1349120865530274"
	if err := e.st.PutIdentities(ctx, []store.Identity{{TenantID: "acme", WaID: waID, UserID: bsuid, SeenAt: now}}); err != nil {
		t.Fatal(err)
	}
	toBSUID := `{"messaging_product":"whatsapp","to":"` + bsuid + `","type":"template","template":{"name":"promo","language":{"code":"pt_BR"}}}`
	e.optIn(t, now.Add(-time.Hour)) // under the number
	if res, err := e.svc.Accept(ctx, intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(toBSUID)}); err != nil || res.Outcome != intake.Accepted {
		t.Fatalf("opt-in under the number, send to the BSUID: %+v %v", res.Decision, err)
	}
	if _, err := e.ledger.Record(ctx, consent.Request{TenantID: "acme", Contact: bsuid, Action: consent.OptOut, Category: consent.All,
		Source: consent.WhatsAppKeyword, Evidence: consent.Evidence{Text: "PARAR", At: now}}); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.svc.Accept(ctx, intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(tmpl)}); res.Decision.Refusal != refusal.OptedOut {
		t.Fatalf("opt-out under the BSUID, send to the number: %+v", res.Decision)
	}
	// Another tenant's link means nothing here.
	if other, _ := e.st.LinkedIdentity(ctx, "globex", bsuid); other != "" {
		t.Fatalf("link leaked to another tenant: %q", other)
	}
}
