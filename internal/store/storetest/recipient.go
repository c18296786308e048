package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

// testByRecipient pins the reads of a data subject's access request: one
// recipient's messages and decisions of one tenant, newest first, paged by
// a cursor, and nothing of another tenant or recipient.
func testByRecipient(t *testing.T, s store.Store) {
	c := ctx(t)
	var items []*store.Intake
	for i := range 5 {
		items = append(items, accepted(newMsg(fmt.Sprintf("a%d", i), "t1", "p1", base.Add(time.Duration(i)*time.Second))))
	}
	other := newMsg("b0", "t1", "p1", base)
	other.WaID = "5511987654321"
	items = append(items, accepted(other))
	items = append(items, accepted(newMsg("c0", "t2", "p2", base))) // same person, another tenant
	must(t, s.CommitIntake(c, items))

	tests := []struct {
		name      string
		tenant    string
		waID      string
		before    func([]store.Message) int64
		limit     int
		wantIDs   []string
		wantDecis int
	}{
		{"all of one recipient", "t1", "4915112345678", nil, 10, []string{"a4", "a3", "a2", "a1", "a0"}, 5},
		{"first page", "t1", "4915112345678", nil, 2, []string{"a4", "a3"}, 2},
		{"another recipient", "t1", "5511987654321", nil, 10, []string{"b0"}, 1},
		{"another tenant", "t2", "4915112345678", nil, 10, []string{"c0"}, 1},
		{"unknown tenant", "t3", "4915112345678", nil, 10, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.MessagesByRecipient(c, tc.tenant, tc.waID, 0, tc.limit)
			must(t, err)
			checkIDs(t, "messages", ids(got), tc.wantIDs)
			ds, err := s.ListDecisions(c, store.DecisionFilter{TenantID: tc.tenant, WaID: tc.waID, Limit: tc.limit})
			must(t, err)
			if len(ds) != tc.wantDecis {
				t.Errorf("decisions = %d, want %d", len(ds), tc.wantDecis)
			}
			for _, d := range ds {
				if d.TenantID != tc.tenant || d.WaID != tc.waID {
					t.Errorf("decision %+v is not of %s/%s", d, tc.tenant, tc.waID)
				}
			}
		})
	}

	// The cursor continues where a page ended, without overlap.
	first, err := s.MessagesByRecipient(c, "t1", "4915112345678", 0, 2)
	must(t, err)
	rest, err := s.MessagesByRecipient(c, "t1", "4915112345678", first[len(first)-1].Seq, 10)
	must(t, err)
	checkIDs(t, "second page", ids(rest), []string{"a2", "a1", "a0"})
	dfirst, err := s.ListDecisions(c, store.DecisionFilter{TenantID: "t1", WaID: "4915112345678", Limit: 2})
	must(t, err)
	drest, err := s.ListDecisions(c, store.DecisionFilter{TenantID: "t1", WaID: "4915112345678", BeforeID: dfirst[len(dfirst)-1].ID})
	must(t, err)
	if len(drest) != 3 {
		t.Errorf("second page of decisions = %d, want 3", len(drest))
	}
	for _, d := range drest {
		if d.ID >= dfirst[len(dfirst)-1].ID {
			t.Errorf("decision %d is not before the cursor %d", d.ID, dfirst[len(dfirst)-1].ID)
		}
	}
}

// testConsentBatch pins AppendConsents: every link of a batch or none, and
// one contact's records read back alone.
func testConsentBatch(t *testing.T, s store.Store) {
	c := ctx(t)
	l := ledgerAt(s)
	if _, err := l.Record(c, formOptIn("t1", mobileA, consent.Marketing)); err != nil {
		t.Fatal(err)
	}
	before, err := s.ConsentHead(c, "t1")
	must(t, err)

	// A batch whose second link does not follow the first is refused
	// whole: the head and the chain stay as they were.
	boom := errors.New("builder refused")
	tests := []struct {
		name  string
		build func(h store.ConsentHead) ([]store.ConsentAppend, error)
	}{
		{"broken link", func(h store.ConsentHead) ([]store.ConsentAppend, error) {
			a := store.ConsentAppend{Record: store.ConsentRecord{TenantID: "t1", Seq: h.Seq + 1, At: base, ContactKey: "k1",
				Action: "opt_out", Category: "all", Source: "import", PrevHash: h.Hash, Hash: "h1"}, HeadMAC: "m1"}
			b := a
			b.Record.Seq, b.Record.PrevHash, b.Record.Hash = h.Seq+2, "not-h1", "h2"
			return []store.ConsentAppend{a, b}, nil
		}},
		{"gap", func(h store.ConsentHead) ([]store.ConsentAppend, error) {
			a := store.ConsentAppend{Record: store.ConsentRecord{TenantID: "t1", Seq: h.Seq + 1, At: base, ContactKey: "k1",
				Action: "opt_out", Category: "all", Source: "import", PrevHash: h.Hash, Hash: "h1"}, HeadMAC: "m1"}
			b := a
			b.Record.Seq, b.Record.PrevHash, b.Record.Hash = h.Seq+3, "h1", "h3"
			return []store.ConsentAppend{a, b}, nil
		}},
		{"builder error", func(store.ConsentHead) ([]store.ConsentAppend, error) { return nil, boom }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.AppendConsents(c, "t1", tc.build); err == nil {
				t.Fatal("AppendConsents accepted a bad batch")
			}
			h, err := s.ConsentHead(c, "t1")
			must(t, err)
			if h != before {
				t.Errorf("head = %+v after a refused batch, want %+v", h, before)
			}
			es, err := s.ConsentEntries(c, "t1", 0, 100)
			must(t, err)
			if len(es) != 1 {
				t.Errorf("chain has %d records after a refused batch, want 1", len(es))
			}
		})
	}

	// A good batch through the ledger: all of it lands, and verifies.
	reqs := []consent.Request{keywordOptOut("t1", mobileB, consent.All), keywordOptOut("t1", mobileA, consent.Marketing),
		formOptIn("t1", mobileB, consent.Utility)}
	recs, err := l.RecordAll(c, "t1", reqs)
	must(t, err)
	if len(recs) != 3 || recs[0].Seq != 2 || recs[2].Seq != 4 {
		t.Fatalf("RecordAll = %+v, want seqs 2..4", recs)
	}
	rep, err := l.Verify(c, "t1")
	must(t, err)
	if !rep.OK || rep.Records != 4 {
		t.Fatalf("verify after batch: %s", rep)
	}

	// One contact's records, alone and in order.
	hist, err := l.History(c, "t1", mobileB, 0, 0)
	must(t, err)
	if len(hist) != 2 || hist[0].Seq != 2 || hist[1].Seq != 4 {
		t.Fatalf("history of B = %+v, want seqs 2 and 4", hist)
	}
	if hist[1].Evidence == nil || hist[1].Evidence.URL != "https://acme.example/optin" || hist[1].E164 != mobileB {
		t.Errorf("history of B lacks its evidence: %+v", hist[1])
	}
	page, err := s.ConsentContactEntries(c, "t1", hist[0].ContactKey, hist[0].Seq, 10)
	must(t, err)
	if len(page) != 1 || page[0].Seq != 4 {
		t.Errorf("ConsentContactEntries after seq 2 = %+v, want seq 4", page)
	}
	if one, err := l.History(c, "t1", mobileB, 0, 1); err != nil || len(one) != 1 || one[0].Seq != 2 {
		t.Errorf("first page of one of B's history = %+v, %v; want seq 2", one, err)
	}
	if next, err := l.History(c, "t1", mobileB, 2, 1); err != nil || len(next) != 1 || next[0].Seq != 4 {
		t.Errorf("page after seq 2 of B's history = %+v, %v; want seq 4", next, err)
	}
	if other, err := l.History(c, "t2", mobileB, 0, 0); err != nil || len(other) != 0 {
		t.Errorf("another tenant's history of B = %+v, %v; want none", other, err)
	}
}

// testInboundFrom pins InboundFrom: what one person wrote to a tenant's
// senders, under any of their aliases, newest first, paged by a cursor,
// and nothing another tenant's senders received.
func testInboundFrom(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, snd := range []store.Sender{
		{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "+1 555 0001", State: store.SenderActive},
		{PhoneNumberID: "p2", TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "+1 555 0002", State: store.SenderActive},
		{PhoneNumberID: "p3", TenantID: "t2", WABAID: "w2", DisplayPhoneNumber: "+1 555 0003", State: store.SenderActive},
	} {
		must(t, s.PutSender(c, snd))
	}
	in := func(id, sender, from string, sec int) store.InboundMessage {
		return store.InboundMessage{ID: id, SenderID: sender, From: from, Type: "text",
			Timestamp:  base.Add(time.Duration(sec) * time.Second),
			Body:       fmt.Appendf(nil, `{"from":%q,"id":%q,"type":"text","text":{"body":"oi"}}`, from, id),
			ReceivedAt: base.Add(time.Duration(sec+1) * time.Second)}
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Inbound: []store.InboundMessage{
		in("wamid.A", "p1", "5511987654321", 1),
		in("wamid.B", "p2", "551187654321", 2),  // the same person without the ninth digit
		in("wamid.C", "p1", "5511987654321", 2), // same second as B
		in("wamid.D", "p3", "5511987654321", 3), // another tenant's sender
		in("wamid.E", "p1", "5521998765432", 4), // another person
	}}))
	aliases := []string{"5511987654321", "551187654321"}
	got, err := s.InboundFrom(c, "t1", aliases, time.Time{}, "", 10)
	must(t, err)
	var gotIDs []string
	for _, m := range got {
		gotIDs = append(gotIDs, m.ID)
	}
	checkIDs(t, "inbound of one person", gotIDs, []string{"wamid.C", "wamid.B", "wamid.A"})
	if len(got) == 3 && (!sameTime(got[2].Timestamp, base.Add(time.Second)) || got[2].SenderID != "p1" || len(got[2].Body) == 0) {
		t.Errorf("inbound A read back as %+v", got[2])
	}

	// Pages of one, through the tie at the same second, without overlap.
	var paged []string
	var ts time.Time
	id := ""
	for range 5 {
		page, err := s.InboundFrom(c, "t1", aliases, ts, id, 1)
		must(t, err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page[0].ID)
		ts, id = page[0].Timestamp, page[0].ID
	}
	checkIDs(t, "paged inbound", paged, []string{"wamid.C", "wamid.B", "wamid.A"})

	other, err := s.InboundFrom(c, "t2", aliases, time.Time{}, "", 10)
	must(t, err)
	if len(other) != 1 || other[0].ID != "wamid.D" {
		t.Errorf("t2's inbound of the person = %+v, want only wamid.D", other)
	}
	if none, err := s.InboundFrom(c, "t3", aliases, time.Time{}, "", 10); err != nil || len(none) != 0 {
		t.Errorf("a tenant without senders = %+v, %v", none, err)
	}
}
