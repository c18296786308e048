package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testEraseContact: an erasure blanks one person's data in one tenant and
// fails what was still queued to them; another tenant's data about the
// same number, and another person's, are untouched.
func testEraseContact(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, snd := range []store.Sender{
		{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "+1 555 0001", State: store.SenderActive},
		{PhoneNumberID: "p2", TenantID: "t2", WABAID: "w2", DisplayPhoneNumber: "+1 555 0002", State: store.SenderActive},
	} {
		must(t, s.PutSender(c, snd))
	}
	const person, other = "5511987654321", "5521998765432"
	msg := func(id, tenant, sender, wa string) *store.Intake {
		return &store.Intake{
			Message: &store.Message{ID: id, TenantID: tenant, SenderID: sender, Input: "+" + wa, WaID: wa, Type: "text",
				Body: []byte(`{"to":"+` + wa + `","type":"text","text":{"body":"seu pedido"}}`), State: store.StateQueued,
				NextAttemptAt: base, CreatedAt: base, UpdatedAt: base},
			Decision: store.Decision{TenantID: tenant, SenderID: sender, MessageID: id, WaID: wa, Outcome: store.OutcomeAllow,
				Rule: "", Code: "", Reason: "", CreatedAt: base},
		}
	}
	must(t, s.CommitIntake(c, []*store.Intake{
		msg("m1", "t1", "p1", person), msg("m2", "t1", "p1", person), msg("m3", "t1", "p1", other), msg("m4", "t2", "p2", person),
	}))
	// m1 was sent before the erasure.
	must(t, s.RecordOutcomes(c, []store.Outcome{{MessageID: "m1", State: store.StateSent, MetaID: "wamid.M1", WaID: person, Attempts: 1, At: base}}, nil))
	in := func(id, sender, from string) store.InboundMessage {
		return store.InboundMessage{ID: id, SenderID: sender, From: from, Type: "text", Timestamp: base,
			Body: fmt.Appendf(nil, `{"from":%q,"id":%q,"type":"text","text":{"body":"meu cpf é …"}}`, from, id), ReceivedAt: base}
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{
		Inbound: []store.InboundMessage{in("wamid.I1", "p1", person), in("wamid.I2", "p2", person), in("wamid.I3", "p1", other)},
		Windows: []store.Window{{SenderID: "p1", WaID: person, At: base}, {SenderID: "p2", WaID: person, At: base}},
	}))
	must(t, s.PutIdentities(c, []store.Identity{{TenantID: "t1", WaID: person, UserID: "BR.1", SeenAt: base}}))
	contact := func(tenant, wa string) store.Contact {
		return store.Contact{TenantID: tenant, WaID: wa, E164: "+" + wa, ContactKey: "k" + wa, Name: "Ana", CreatedAt: base, UpdatedAt: base}
	}
	must(t, s.PutContacts(c, []store.Contact{contact("t1", person), contact("t1", other), contact("t2", person)}, nil))
	// Webhooks to the tenant: one delivered naming the person, one
	// delivered naming a longer number that contains the person's digits,
	// one still pending.
	fw := func(tenant, body string) store.Forward {
		return store.Forward{TenantID: tenant, WABAID: "w1", Field: "messages", Value: []byte(body), CreatedAt: base, NextAttemptAt: base}
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Forwards: []store.Forward{
		fw("t1", `{"messages":[{"from":"`+person+`","text":{"body":"meu cpf"}}]}`),
		fw("t1", `{"messages":[{"from":"1`+person+`","text":{"body":"outro"}}]}`),
	}}))
	claimed, err := s.ClaimForwards(c, base.Add(time.Second), 10, time.Minute)
	must(t, err)
	var ids []int64
	for _, f := range claimed {
		ids = append(ids, f.ID)
	}
	must(t, s.CompleteForwards(c, ids, base.Add(time.Second)))
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Forwards: []store.Forward{fw("t1", `{"statuses":[{"recipient_id":"`+person+`"}]}`)}}))

	must(t, s.ApplyWebhooks(c, store.WebhookApply{Forwards: []store.Forward{fw("t1", `{"statuses":[{"recipient_id":"`+other+`"}]}`)}}))
	// Meta's raw deliveries: processed ones naming the person on t1's
	// number and on t2's, one naming another person, one not processed yet.
	raw := func(pnid, wa string) *store.Delivery {
		b := `{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"` + pnid + `"},"messages":[{"from":"` + wa + `"}]}}]}]}`
		return &store.Delivery{DedupeKey: pnid + wa + fmt.Sprint(len(b)), Body: []byte(b), ReceivedAt: base}
	}
	done := []*store.Delivery{raw("p1", person), raw("p2", person), raw("p1", other)}
	must(t, s.AppendDeliveries(c, done))
	got, err := s.ClaimDeliveries(c, base.Add(time.Second), 10, time.Minute)
	must(t, err)
	var doneIDs []int64
	for _, d := range got {
		doneIDs = append(doneIDs, d.ID)
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Done: doneIDs}))
	waiting := raw("p1", person)
	waiting.DedupeKey += "-waiting"
	must(t, s.AppendDeliveries(c, []*store.Delivery{waiting}))

	rep, err := s.EraseContact(c, "t1", []string{person, "551187654321", "BR.1"}, 470102, base.Add(time.Minute))
	must(t, err)
	want := store.ErasureReport{Failed: 1, Messages: 2, Decisions: 2, Inbound: 1, Windows: 1, Identities: 1, Forwards: 1, Cancelled: 1, Deliveries: 1, Contacts: 1}
	if rep != want {
		t.Errorf("report %+v, want %+v", rep, want)
	}
	wantNotFound(t, "erased contact", func() error { _, err := s.GetContact(c, "t1", person); return err }())
	for _, k := range []struct{ tenant, wa string }{{"t1", other}, {"t2", person}} {
		if _, err := s.GetContact(c, k.tenant, k.wa); err != nil {
			t.Errorf("contact %s of %s: %v, want kept", k.wa, k.tenant, err)
		}
	}
	// The forward still waiting for the tenant is given up, blanked; the
	// one about another person still goes.
	pending, err := s.ClaimForwards(c, base.Add(time.Hour), 10, time.Minute)
	must(t, err)
	if len(pending) != 1 || !strings.Contains(string(pending[0].Value), other) {
		t.Errorf("pending forwards after the erasure: %+v", pending)
	}
	counts, err := s.ForwardCounts(c)
	must(t, err)
	if counts["dead"] != 1 {
		t.Errorf("forward counts %v: the cancelled forward should be dead", counts)
	}
	// The delivery not yet processed is left for the processor.
	if ds, err := s.ClaimDeliveries(c, base.Add(time.Hour), 10, time.Minute); err != nil || len(ds) != 1 || !strings.Contains(string(ds[0].Body), person) {
		t.Errorf("the waiting delivery: %+v %v", ds, err)
	}
	// Erasing again finds nothing left of t1's.
	if rep, err := s.EraseContact(c, "t1", []string{person}, 470102, base.Add(time.Minute)); err != nil || rep.Deliveries != 0 || rep.Cancelled != 0 {
		t.Errorf("second erasure: %+v %v", rep, err)
	}
	for _, tc := range []struct {
		id     string
		state  store.MessageState
		erased bool
	}{{"m1", store.StateSent, true}, {"m2", store.StateFailed, true}, {"m3", store.StateQueued, false}, {"m4", store.StateQueued, false}} {
		m, err := s.GetMessage(c, tc.id)
		must(t, err)
		if m.State != tc.state || (len(m.Body) == 0) != tc.erased || (m.Input == "") != tc.erased {
			t.Errorf("%s after the erasure: state %s, body %q, input %q", tc.id, m.State, m.Body, m.Input)
		}
		if tc.id == "m2" && m.ErrorCode != 470102 {
			t.Errorf("m2 failed with %d", m.ErrorCode)
		}
	}
	if at, _ := s.GetWindow(c, "p1", person); !at.IsZero() {
		t.Error("the erased person's window survived")
	}
	if at, _ := s.GetWindow(c, "p2", person); at.IsZero() {
		t.Error("another tenant's window was erased")
	}
	if l, _ := s.LinkedIdentity(c, "t1", "BR.1"); l != "" {
		t.Error("the identity link survived")
	}
	ins, err := s.InboundFrom(c, "t1", []string{person}, time.Time{}, "", 10)
	must(t, err)
	for _, m := range ins {
		if len(m.Body) != 0 {
			t.Errorf("inbound %s still holds %s", m.ID, m.Body)
		}
	}
	if ins, _ := s.InboundFrom(c, "t2", []string{person}, time.Time{}, "", 10); len(ins) != 1 || len(ins[0].Body) == 0 {
		t.Errorf("another tenant's inbound was erased: %+v", ins)
	}
	if rep, err := s.EraseContact(c, "t1", nil, 470102, base); err != nil || rep != (store.ErasureReport{}) {
		t.Errorf("nothing to erase: %+v %v", rep, err)
	}
	// t2's own erasure of the same number still finds its raw delivery.
	if rep, err := s.EraseContact(c, "t2", []string{person}, 470102, base.Add(time.Minute)); err != nil || rep.Deliveries != 1 {
		t.Errorf("t2's erasure: %+v %v", rep, err)
	}
}
