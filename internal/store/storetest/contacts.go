package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

// testContacts covers the contact list: insert, replace keeping the
// creation time, lookups by wa_id, pages by wa_id with search and tag,
// each contact's consent rows read through its ledger key, its last inbound
// over every sender of its tenant (and not another tenant's), count and
// delete.
func testContacts(t *testing.T, s store.Store) {
	c := ctx(t)
	l := ledgerAt(s)
	recA, err := l.Record(c, formOptIn("t1", mobileA, consent.Marketing))
	must(t, err)
	_, err = l.Record(c, keywordOptOut("t1", mobileA, consent.Utility))
	must(t, err)
	recB, err := l.Record(c, formOptIn("t1", mobileB, consent.All))
	must(t, err)
	mk := func(wa, key, name string, tags ...string) store.Contact {
		return store.Contact{TenantID: "t1", WaID: wa, E164: "+" + wa, ContactKey: key, Name: name, Language: "pt_BR",
			Tags: tags, Attributes: []byte(`{"city":"Recife"}`), CreatedAt: base, UpdatedAt: base}
	}
	a := mk("5511987654321", recA.ContactKey, "Ana Souza", "vip", "sp")
	b := mk("5521998765432", recB.ContactKey, "Bruno_Lima", "rj")
	x := mk("5531991112222", "no-records", "Carla 100%")
	other := a
	other.TenantID, other.Name = "t2", "Someone else"
	must(t, s.PutContacts(c, []store.Contact{a, b, x, other}, nil))

	// A replacement keeps CreatedAt and takes the rest.
	a2 := a
	a2.Name, a2.Tags, a2.CreatedAt, a2.UpdatedAt = "Ana S.", []string{"vip"}, base.Add(time.Hour), base.Add(time.Hour)
	must(t, s.PutContacts(c, []store.Contact{a2}, nil))

	// Inbound on two of t1's senders (the later one counts) and on t2's.
	for _, snd := range []store.Sender{
		{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1", State: store.SenderActive},
		{PhoneNumberID: "p2", TenantID: "t1", WABAID: "w1", State: store.SenderActive},
		{PhoneNumberID: "p9", TenantID: "t2", WABAID: "w9", State: store.SenderActive},
	} {
		must(t, s.PutSender(c, snd))
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Windows: []store.Window{
		{SenderID: "p1", WaID: a.WaID, At: base.Add(time.Minute)},
		{SenderID: "p2", WaID: a.WaID, At: base.Add(2 * time.Minute)},
		{SenderID: "p9", WaID: b.WaID, At: base.Add(3 * time.Minute)},
	}}))

	got, err := s.GetContact(c, "t1", a.WaID)
	must(t, err)
	if got.Name != "Ana S." || !slices.Equal(got.Tags, []string{"vip"}) || !got.CreatedAt.Equal(base) ||
		!got.UpdatedAt.Equal(base.Add(time.Hour)) || got.E164 != "+"+a.WaID || got.Language != "pt_BR" ||
		string(got.Attributes) != `{"city":"Recife"}` || got.ContactKey != recA.ContactKey {
		t.Errorf("GetContact = %+v", got)
	}
	if !got.LastInboundAt.Equal(base.Add(2 * time.Minute)) {
		t.Errorf("last inbound = %v, want the later sender's", got.LastInboundAt)
	}
	if len(got.Consent) != 2 || got.Consent[0].Category != "marketing" || got.Consent[0].Action != "opt_in" ||
		got.Consent[1].Category != "utility" || got.Consent[1].Action != "opt_out" {
		t.Errorf("consent rows = %+v", got.Consent)
	}
	wantNotFound(t, "GetContact(unknown)", func() error { _, err := s.GetContact(c, "t1", "5511900000000"); return err }())
	wantNotFound(t, "GetContact(other tenant's)", func() error { _, err := s.GetContact(c, "t2", b.WaID); return err }())

	page := func(q store.ContactQuery) []string {
		t.Helper()
		q.TenantID = "t1"
		cs, err := s.ListContacts(c, q)
		must(t, err)
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.WaID)
		}
		return ids
	}
	for _, tc := range []struct {
		name string
		q    store.ContactQuery
		want []string
	}{
		{"all", store.ContactQuery{}, []string{a.WaID, b.WaID, x.WaID}},
		{"first page", store.ContactQuery{Limit: 2}, []string{a.WaID, b.WaID}},
		{"after", store.ContactQuery{After: b.WaID}, []string{x.WaID}},
		{"search prefix", store.ContactQuery{Search: "5521"}, []string{b.WaID}},
		{"search name, any case", store.ContactQuery{Search: "ana s"}, []string{a.WaID}},
		{"search wildcard is literal", store.ContactQuery{Search: "_"}, []string{b.WaID}},
		{"search percent is literal", store.ContactQuery{Search: "100%"}, []string{x.WaID}},
		{"tag", store.ContactQuery{Tag: "vip"}, []string{a.WaID}},
		{"tag no longer held", store.ContactQuery{Tag: "sp"}, nil},
		{"tag exact, not a part", store.ContactQuery{Tag: "r"}, nil},
	} {
		if got := page(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	cs, err := s.ListContacts(c, store.ContactQuery{TenantID: "t1", Search: "5521"})
	must(t, err)
	if len(cs) != 1 || len(cs[0].Consent) != 1 || cs[0].Consent[0].Category != "all" || !cs[0].LastInboundAt.IsZero() {
		t.Errorf("listed b = %+v: want its all-categories opt-in and no inbound (t2's does not count)", cs)
	}

	m, err := s.GetContacts(c, "t1", []string{a.WaID, x.WaID, "5599999999999"})
	must(t, err)
	if len(m) != 2 || m[a.WaID].Name != "Ana S." || m[x.WaID].Name != "Carla 100%" {
		t.Errorf("GetContacts = %+v", m)
	}
	states, err := s.ConsentStatesOf(c, "t1", []string{recA.ContactKey, recB.ContactKey, "nobody"})
	must(t, err)
	if len(states) != 2 || len(states[recA.ContactKey]) != 2 || len(states[recB.ContactKey]) != 1 {
		t.Errorf("ConsentStatesOf = %+v", states)
	}

	n, err := s.CountContacts(c, "t1")
	must(t, err)
	if n != 3 {
		t.Errorf("CountContacts = %d, want 3", n)
	}
	must(t, s.DeleteContact(c, "t1", x.WaID))
	wantNotFound(t, "DeleteContact(again)", s.DeleteContact(c, "t1", x.WaID))
	if n, _ := s.CountContacts(c, "t1"); n != 2 {
		t.Errorf("after delete: %d contacts, want 2", n)
	}
	if n, _ := s.CountContacts(c, "t2"); n != 1 {
		t.Errorf("t2 has %d contacts, want 1", n)
	}
}

// testAudiences covers saved audiences: put, replace keeping the creation
// time, get, list by id per tenant, delete.
func testAudiences(t *testing.T, s store.Store) {
	c := ctx(t)
	must(t, s.PutAudience(c, store.Audience{TenantID: "t1", ID: "vip", Name: "VIPs", Filter: []byte(`{"tag":"vip"}`), CreatedAt: base, UpdatedAt: base}))
	must(t, s.PutAudience(c, store.Audience{TenantID: "t1", ID: "active", Name: "Active", Filter: []byte(`{"inbound_within":"720h"}`), CreatedAt: base, UpdatedAt: base}))
	must(t, s.PutAudience(c, store.Audience{TenantID: "t2", ID: "vip", Name: "Other", Filter: []byte(`{}`), CreatedAt: base, UpdatedAt: base}))
	must(t, s.PutAudience(c, store.Audience{TenantID: "t1", ID: "vip", Name: "VIP clients", Filter: []byte(`{"tag":"gold"}`),
		CreatedAt: base.Add(time.Hour), UpdatedAt: base.Add(time.Hour)}))
	a, err := s.GetAudience(c, "t1", "vip")
	must(t, err)
	if a.Name != "VIP clients" || string(a.Filter) != `{"tag":"gold"}` || !a.CreatedAt.Equal(base) || !a.UpdatedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("GetAudience = %+v", a)
	}
	list, err := s.ListAudiences(c, "t1")
	must(t, err)
	if len(list) != 2 || list[0].ID != "active" || list[1].ID != "vip" {
		t.Errorf("ListAudiences = %+v", list)
	}
	must(t, s.DeleteAudience(c, "t1", "vip"))
	wantNotFound(t, "GetAudience(deleted)", func() error { _, err := s.GetAudience(c, "t1", "vip"); return err }())
	wantNotFound(t, "DeleteAudience(again)", s.DeleteAudience(c, "t1", "vip"))
	if _, err := s.GetAudience(c, "t2", "vip"); err != nil {
		t.Errorf("t2's audience: %v", err)
	}
}

// testContactImports covers the import journal: written with a chunk of
// contacts in one transaction, found by digest while committing, no longer
// once done.
func testContactImports(t *testing.T, s store.Store) {
	c := ctx(t)
	imp := store.ContactImport{TenantID: "t1", ID: "imp_1", Digest: "d1", State: "committing", Lines: 10, CreatedAt: base, UpdatedAt: base}
	must(t, s.PutContactImport(c, imp))
	imp.CommittedLine, imp.Created, imp.Merged, imp.Refused, imp.UpdatedAt = 5, 3, 1, 1, base.Add(time.Second)
	must(t, s.PutContacts(c, []store.Contact{{TenantID: "t1", WaID: "5511987654321", E164: "+5511987654321", ContactKey: "k",
		CreatedAt: base, UpdatedAt: base}}, &imp))
	got, err := s.ContactImportByDigest(c, "t1", "d1")
	must(t, err)
	if got != imp {
		t.Errorf("ContactImportByDigest = %+v, want %+v", got, imp)
	}
	wantNotFound(t, "other tenant's import", func() error { _, err := s.ContactImportByDigest(c, "t2", "d1"); return err }())
	imp.State = "done"
	must(t, s.PutContactImport(c, imp))
	if _, err := s.ContactImportByDigest(c, "t1", "d1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a done import is still resumable: %v", err)
	}
}
