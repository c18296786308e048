package intake_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestMarketingHoldAfter131049: once Meta fails a marketing template to a
// person with 131049, marketing to that person waits 24 h from the failure
// — at intake for new messages, and at send time for those already queued —
// read from the store, so every replica holds it alike.
func TestMarketingHoldAfter131049(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	set := func(t time.Time) { clock.Store(t.UnixNano()) }
	rules := policy.New(policy.Suppression{}, policy.Consent{}, policy.MarketingHold{})
	e := newEnvRules(t, now, rules)
	e.optIn(t, t0.Add(-time.Hour))
	ctx := t.Context()
	accept := func() intake.Result {
		t.Helper()
		res, err := e.svc.Accept(ctx, intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(tmpl)})
		if err != nil || res.Outcome != intake.Accepted {
			t.Fatalf("%+v %v", res, err)
		}
		return res
	}
	first, queued := accept(), accept()
	if first.Decision.Outcome != policy.Allow || queued.Decision.Outcome != policy.Allow {
		t.Fatalf("before any 131049: %+v, %+v", first.Decision, queued.Decision)
	}

	// The first one is sent, and Meta fails it with 131049 a minute later.
	if _, err := e.st.ClaimMessages(ctx, pnid, t0, 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordOutcomes(ctx, []store.Outcome{{MessageID: first.MessageID, State: store.StateSent, MetaID: "wamid.M1", Attempts: 1, At: t0}}, nil); err != nil {
		t.Fatal(err)
	}
	failedAt := t0.Add(time.Minute)
	if err := e.st.ApplyWebhooks(ctx, store.WebhookApply{Statuses: []store.StatusApply{{
		Event: store.StatusEvent{MessageID: first.MessageID, MetaID: "wamid.M1", Status: wire.StatusFailed, Timestamp: failedAt, ErrorCode: wire.CodeEcosystem},
		State: store.StateFailed}}}); err != nil {
		t.Fatal(err)
	}
	until := failedAt.Add(policy.DefaultMarketingHold)

	// New marketing is accepted but deferred until the hold is over.
	set(t0.Add(2 * time.Minute))
	held := accept()
	if held.Decision.Outcome != policy.Defer || held.Decision.Code != "marketing_hold.active" || !held.Decision.Until.Equal(until) {
		t.Fatalf("during the hold: %+v, want a deferral until %v", held.Decision, until)
	}
	m, err := e.st.GetMessage(ctx, held.MessageID)
	if err != nil || !m.NextAttemptAt.Equal(until) {
		t.Fatalf("held message due at %v (%v), want %v", m.NextAttemptAt, err, until)
	}

	// The one queued before the failure is deferred at send time.
	sendTime := intake.NewSendTime(e.facts, func(string) *policy.Pipeline { return intake.SendTimeRules(rules) })
	qm, err := e.st.GetMessage(ctx, queued.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	late, err := sendTime.Check(ctx, &qm, now())
	if err != nil || late == nil || !late.Until.Equal(until) {
		t.Fatalf("queued before the failure, checked at send time: %+v %v, want deferred until %v", late, err, until)
	}

	// Once the hold is over marketing goes again.
	set(until)
	if res := accept(); res.Decision.Outcome != policy.Allow {
		t.Fatalf("after the hold: %+v", res.Decision)
	}
	if late, err := sendTime.Check(ctx, &qm, until); err != nil || late != nil {
		t.Fatalf("after the hold, at send time: %+v %v", late, err)
	}
}
