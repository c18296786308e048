package intake_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// countingChecker counts the checker's runs.
type countingChecker struct {
	k *content.Checker
	n atomic.Int64
}

func (c *countingChecker) Check(ctx context.Context, tenantID string, m content.Message) content.Result {
	c.n.Add(1)
	return c.k.Check(ctx, tenantID, m)
}

// noConsent knows no consent: the content rule does not read it.
type noConsent struct{}

func (noConsent) CurrentByWaID(context.Context, string, string) (consent.Current, error) {
	return consent.Current{}, nil
}

// bodies gives every template the same body text, as the cache would.
type bodies string

func (b bodies) TemplateFacts(m *policy.Message) *policy.TemplateFacts {
	if m.Request == nil || !m.Request.IsTemplate() {
		return nil
	}
	return &policy.TemplateFacts{Status: policy.TemplateApproved, Body: string(b)}
}

// The checker runs once per message at intake, on the template's body with
// its parameters filled in, not at send time; a warning is accepted and
// stored as outcome warn, a block refused.
func TestContentAtIntake(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	box, _ := secret.NewBox(secret.NewKey())
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "w.db"), box)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := t.Context()
	if err := st.PutTenant(ctx, store.Tenant{ID: "acme", Name: "Acme", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: pnid, TenantID: "acme", WABAID: "209000000000001", ThroughputMPS: 80}); err != nil {
		t.Fatal(err)
	}
	ck := &countingChecker{k: content.New()}
	facts := intake.NewFacts(intake.FactsConfig{Consent: noConsent{}, Windows: st, Content: ck, Now: clock,
		Templates: bodies("Prezado cliente, {{1}} para evitar o bloqueio.")})
	svc, err := intake.New(intake.Config{Store: st, Pipeline: policy.New(policy.DefaultRules("BR")...),
		Rules: policy.New(policy.Suppression{}, policy.Content{}), Facts: facts, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	send := func(body string) intake.Result {
		t.Helper()
		res, err := svc.Accept(ctx, intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	// The parameter alone says nothing; with the body it is the bank
	// update scam.
	res := send(`{"messaging_product":"whatsapp","to":"` + contact + `","type":"template","template":{"name":"aviso","language":{"code":"pt_BR"},` +
		`"components":[{"type":"body","parameters":[{"type":"text","text":"atualize seus dados em www.banco-seguro.top"}]}]}}`)
	if res.Outcome != intake.Refused || res.Decision.Code != "content.scam" {
		t.Fatalf("template scam: %+v", res.Decision)
	}
	if n := ck.n.Load(); n != 1 {
		t.Fatalf("checker ran %d times for one message", n)
	}

	res = send(`{"messaging_product":"whatsapp","to":"` + contact + `","type":"text","text":{"body":"Veja em https://bit.ly/3x"}}`)
	if res.Outcome != intake.Accepted || res.Decision.Outcome != policy.Warn {
		t.Fatalf("shortener: %+v", res)
	}
	ds, err := st.ListDecisions(ctx, store.DecisionFilter{MessageID: res.MessageID})
	if err != nil || len(ds) != 1 || ds[0].Outcome != store.OutcomeWarn || ds[0].Code != "content.structure" {
		t.Fatalf("stored decisions %+v %v", ds, err)
	}

	// The send-time stage does not check content again.
	n := ck.n.Load()
	m := &policy.Message{TenantID: "acme", PhoneNumberID: pnid, WaID: waID, Now: now}
	if _, err := facts.Fresh(ctx, m); err != nil || ck.n.Load() != n {
		t.Fatalf("Fresh ran the checker: %v", err)
	}
}
