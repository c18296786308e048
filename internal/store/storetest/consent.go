package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Numbers of the consent tests: Brazilian mobiles (one written without
// its ninth digit, as WhatsApp's wa_id has it) and a Brazilian fixed line.
const (
	mobileA = "+5511987654321"
	mobileB = "+5521998765432"
	fixedBR = "+551133334444"
)

func formOptIn(tenant, contact string, cat consent.Category) consent.Request {
	return consent.Request{
		TenantID: tenant, Contact: contact, Action: consent.OptIn, Category: cat, Source: consent.WebForm,
		Evidence: consent.Evidence{
			Text: "Quero receber ofertas da Acme pelo WhatsApp", URL: "https://acme.example/optin",
			IP: "203.0.113.7", UserAgent: "Mozilla/5.0", At: base.Add(-time.Minute),
		},
	}
}

func keywordOptOut(tenant, contact string, cat consent.Category) consent.Request {
	return consent.Request{
		TenantID: tenant, Contact: contact, Action: consent.OptOut, Category: cat, Source: consent.WhatsAppKeyword,
		Evidence: consent.Evidence{Text: "PARAR", MessageID: "wamid.HBgN" + contact[1:], At: base},
	}
}

func ledgerAt(s store.Consent) *consent.Ledger {
	return consent.New(s, consent.WithClock(func() time.Time { return base }))
}

// testConsentLedger records, reads the current state, erases, verifies and
// exports through package consent on the engine.
func testConsentLedger(t *testing.T, s store.Store) {
	l := ledgerAt(s)
	c := ctx(t)
	steps := []consent.Request{
		formOptIn("t1", mobileA, consent.Marketing),
		formOptIn("t1", mobileB, consent.All),
		keywordOptOut("t1", mobileA, consent.Marketing),
		formOptIn("t2", mobileA, consent.Utility), // another tenant, another chain
	}
	for i, r := range steps {
		if _, err := l.Record(c, r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	states := []struct {
		tenant, contact string
		cat             consent.Category
		want            consent.Action
		wantSeq         int64
	}{
		{"t1", mobileA, consent.Marketing, consent.OptOut, 3},
		{"t1", "5511987654321", consent.Marketing, consent.OptOut, 3}, // a wa_id is the same contact
		{"t1", mobileA, consent.Utility, "", 0},
		{"t1", mobileB, consent.Marketing, consent.OptIn, 2}, // covered by all
		{"t2", mobileA, consent.Utility, consent.OptIn, 1},
		{"t2", mobileA, consent.Marketing, "", 0},
	}
	for _, tc := range states {
		got, err := l.State(c, tc.tenant, tc.contact, tc.cat)
		must(t, err)
		if got.Action != tc.want || got.Seq != tc.wantSeq {
			t.Errorf("State(%s, %s, %s) = %s at %d, want %s at %d", tc.tenant, tc.contact, tc.cat, got.Action, got.Seq, tc.want, tc.wantSeq)
		}
	}

	// Erasure: the personal data goes, the chain still verifies, and the
	// contact stays suppressed for every category.
	rcpt, err := l.Erase(c, "t1", mobileA)
	must(t, err)
	if rcpt.Seq != 4 {
		t.Errorf("erasure seq = %d, want 4", rcpt.Seq)
	}
	entries, err := s.ConsentEntries(c, "t1", 0, 100)
	must(t, err)
	if len(entries) != 4 {
		t.Fatalf("t1 has %d records, want 4", len(entries))
	}
	for _, e := range entries {
		if e.ContactKey == rcpt.ContactKey && e.Personal != nil {
			t.Errorf("record %d of the erased contact still has personal data", e.Seq)
		}
		if e.ContactKey != rcpt.ContactKey && e.Personal == nil {
			t.Errorf("record %d of another contact lost its personal data", e.Seq)
		}
		if strings.Contains(e.ContactKey, "987654321") {
			t.Errorf("record %d's contact key holds the number", e.Seq)
		}
	}
	for _, cat := range []consent.Category{consent.Marketing, consent.Utility, consent.Authentication} {
		st, err := l.State(c, "t1", mobileA, cat)
		must(t, err)
		if !st.Suppressed() || st.Action != consent.Erased {
			t.Errorf("after erasure State(%s) = %+v, want erased", cat, st)
		}
	}
	rep, err := l.Verify(c, "t1")
	must(t, err)
	if !rep.OK || rep.Records != 4 || rep.Erased != 2 || rep.HeadSeq != 4 {
		t.Errorf("Verify after erasure = %+v, want ok, 4 records, 2 erased, head 4", rep)
	}
	// The person comes back and opts in again: the latest word counts.
	_, err = l.Record(c, formOptIn("t1", mobileA, consent.Marketing))
	must(t, err)
	st, err := l.State(c, "t1", mobileA, consent.Marketing)
	must(t, err)
	if !st.OptedIn() {
		t.Errorf("after a new opt-in State = %+v, want opt_in", st)
	}

	var buf strings.Builder
	must(t, l.Export(c, "t1", &buf, false))
	if strings.Contains(buf.String(), "203.0.113.7") || strings.Contains(buf.String(), "5521998765432") {
		t.Error("an export without personal data holds personal data")
	}
	rep, err = consent.VerifyExport(strings.NewReader(buf.String()))
	must(t, err)
	if !rep.OK || rep.Records != 5 {
		t.Errorf("VerifyExport = %+v, want ok with 5 records", rep)
	}
	reps, err := l.VerifyAll(c)
	must(t, err)
	if len(reps) != 2 || !reps[0].OK || !reps[1].OK {
		t.Errorf("VerifyAll = %+v, want two ok tenants", reps)
	}
}

// testConsentRefusals checks that bad input names its field and writes
// nothing.
func testConsentRefusals(t *testing.T, s store.Store) {
	l := ledgerAt(s)
	c := ctx(t)
	mod := func(f func(r *consent.Request)) consent.Request {
		r := formOptIn("t1", mobileA, consent.Marketing)
		f(&r)
		return r
	}
	tests := []struct {
		name  string
		req   consent.Request
		field string
	}{
		{"no tenant", mod(func(r *consent.Request) { r.TenantID = "" }), "tenant"},
		{"unknown category", mod(func(r *consent.Request) { r.Category = "promotions" }), "category"},
		{"unknown action", mod(func(r *consent.Request) { r.Action = "maybe" }), "action"},
		{"unknown source", mod(func(r *consent.Request) { r.Source = "bought_list" }), "source"},
		{"opt-in without text", mod(func(r *consent.Request) { r.Evidence.Text = "" }), "evidence.text"},
		{"opt-in without time", mod(func(r *consent.Request) { r.Evidence.At = time.Time{} }), "evidence.at"},
		{"opt-in without any trace", mod(func(r *consent.Request) { r.Evidence = consent.Evidence{Text: "yes", At: base} }), "evidence"},
		{"opt-in in the future", mod(func(r *consent.Request) { r.Evidence.At = base.Add(time.Hour) }), "evidence.at"},
		{"form without url", mod(func(r *consent.Request) { r.Evidence.URL = "" }), "evidence.url"},
		{"bad url", mod(func(r *consent.Request) { r.Evidence.URL = "javascript:alert(1)" }), "evidence.url"},
		{"bad ip", mod(func(r *consent.Request) { r.Evidence.IP = "300.1.1.1" }), "evidence.ip"},
		{"text too long", mod(func(r *consent.Request) { r.Evidence.Text = strings.Repeat("a", consent.MaxTextLen+1) }), "evidence.text"},
		{"control character", mod(func(r *consent.Request) { r.Evidence.UserAgent = "a\x00b" }), "evidence.user_agent"},
		{"malformed number", mod(func(r *consent.Request) { r.Contact = "+55 11 9876-ABCD" }), "contact"},
		{"fixed line", mod(func(r *consent.Request) { r.Contact = fixedBR }), "contact"},
		{"131050 opt-in", mod(func(r *consent.Request) { r.Source = consent.Error131050 }), "source"},
		{"import without proof", mod(func(r *consent.Request) { r.Source, r.Evidence.URL = consent.Import, "" }), "evidence.url"},
		{"keyword opt-in without message", mod(func(r *consent.Request) { r.Source = consent.WhatsAppKeyword }), "evidence.message_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Record(c, tc.req)
			var fe *consent.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, consent.ErrInvalid) {
				t.Fatalf("Record = %v, want a *consent.FieldError", err)
			}
			if fe.Field != tc.field {
				t.Errorf("field = %q (%v), want %q", fe.Field, err, tc.field)
			}
		})
	}
	if _, err := l.Erase(c, "t1", fixedBR); err == nil {
		t.Error("Erase of a fixed line: no error")
	}
	h, err := s.ConsentHead(c, "t1")
	must(t, err)
	entries, err := s.ConsentEntries(c, "t1", 0, 10)
	must(t, err)
	if h.Seq != 0 || len(entries) != 0 {
		t.Errorf("refused requests wrote: head %d, %d records", h.Seq, len(entries))
	}
	// An opt-out needs no evidence: every request to stop is honoured.
	if _, err := l.Record(c, consent.Request{TenantID: "t1", Contact: mobileA, Action: consent.OptOut,
		Category: consent.Marketing, Source: consent.Error131050}); err != nil {
		t.Errorf("opt-out without evidence: %v", err)
	}
}

// ConsentDB is one database for the consent suite.
type ConsentDB struct {
	// Open opens another store (its own pool) on the database.
	Open func(t *testing.T) store.Store
	// Exec runs SQL directly on the database, past the ledger and past the
	// append-only guards, the way someone with access to the files would.
	Exec func(t *testing.T, sql string)
}

// RunConsent checks what the ledger must withstand on an engine: tampering
// of each kind is detected with the first bad seq named, and concurrent
// appends through two pools keep one linear chain.
func RunConsent(t *testing.T, open func(t *testing.T) ConsentDB) {
	t.Run("Tamper", func(t *testing.T) { testConsentTamper(t, open) })
	t.Run("ConcurrentAppends", func(t *testing.T) { testConsentConcurrent(t, open(t)) })
}

// seedChain writes five records for t1 (two contacts) and one for t2.
func seedChain(t *testing.T, l *consent.Ledger) {
	t.Helper()
	c := ctx(t)
	for i, r := range []consent.Request{
		formOptIn("t1", mobileA, consent.Marketing),
		formOptIn("t1", mobileB, consent.Marketing),
		keywordOptOut("t1", mobileA, consent.Marketing),
		formOptIn("t1", mobileB, consent.Utility),
		keywordOptOut("t1", mobileB, consent.All),
		formOptIn("t2", mobileA, consent.Marketing),
	} {
		if _, err := l.Record(c, r); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
	}
}

func testConsentTamper(t *testing.T, open func(t *testing.T) ConsentDB) {
	const where = ` WHERE tenant_id = 't1' AND seq = `
	tests := []struct {
		name string
		// tamper returns the SQL to run, given the stored chain.
		tamper   func(t *testing.T, es []store.ConsentEntry) []string
		firstBad int64
		problem  string
	}{
		{"edit a field", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`UPDATE consent_records SET action = 'opt_in'` + where + `3`}
		}, 3, "edited"},
		{"edit the category", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`UPDATE consent_records SET category = 'utility'` + where + `1`}
		}, 1, "edited"},
		{"reorder (swap seqs)", func(*testing.T, []store.ConsentEntry) []string {
			return []string{
				`UPDATE consent_records SET seq = -1` + where + `2`,
				`UPDATE consent_records SET seq = 2` + where + `3`,
				`UPDATE consent_records SET seq = 3` + where + `-1`,
			}
		}, 2, "link"},
		{"delete a record", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`DELETE FROM consent_records` + where + `3`}
		}, 3, "missing"},
		{"move a record to another tenant", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`UPDATE consent_records SET tenant_id = 't3'` + where + `2`}
		}, 2, "missing"},
		{"truncate the tail", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`DELETE FROM consent_records` + where + `5`, `DELETE FROM consent_records` + where + `4`}
		}, 4, "removed from the end"},
		{"truncate the tail and cut the head back", func(_ *testing.T, es []store.ConsentEntry) []string {
			return []string{
				`DELETE FROM consent_records` + where + `5`,
				fmt.Sprintf(`UPDATE consent_heads SET seq = 4, hash = '%s' WHERE tenant_id = 't1'`, es[3].Hash),
			}
		}, 0, "MAC"},
		{"delete the head", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`DELETE FROM consent_heads WHERE tenant_id = 't1'`}
		}, 0, "head checkpoint is missing"},
		{"edit and re-hash the rest of the chain", func(t *testing.T, es []store.ConsentEntry) []string {
			// Someone who knows the encoding rewrites record 3 as an
			// opt-in and every hash after it; only the head's MAC, which
			// needs the gateway's key, gives them away.
			var out []string
			prev := es[1].Hash
			for _, e := range es[2:] {
				r := e.ConsentRecord
				if r.Seq == 3 {
					r.Action = "opt_in"
				}
				r.PrevHash = prev
				r.Hash = consent.RecordHash(r)
				prev = r.Hash
				out = append(out, fmt.Sprintf(`UPDATE consent_records SET action = '%s', prev_hash = '%s', hash = '%s'`+where+`%d`,
					r.Action, r.PrevHash, r.Hash, r.Seq))
			}
			return append(out, fmt.Sprintf(`UPDATE consent_heads SET hash = '%s' WHERE tenant_id = 't1'`, prev))
		}, 0, "MAC"},
		{"swap evidence bodies", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`UPDATE consent_personal SET data = (SELECT p.data FROM consent_personal p WHERE p.tenant_id = 't1' AND p.seq = 1)` + where + `2`}
		}, 2, "evidence digest"},
		{"flip a current state", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`UPDATE consent_state SET action = 'opt_in' WHERE tenant_id = 't1' AND seq = 3`}
		}, 3, "edited state"},
		{"delete a current state", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`DELETE FROM consent_state WHERE tenant_id = 't1' AND seq = 5`}
		}, 5, "deleted state"},
		{"delete evidence without erasure", func(*testing.T, []store.ConsentEntry) []string {
			return []string{`DELETE FROM consent_personal` + where + `2`}
		}, 2, "never erased"},
	}
	t.Run("delete the ledger key", func(t *testing.T) {
		db := open(t)
		s := db.Open(t)
		seedChain(t, ledgerAt(s))
		db.Exec(t, `DELETE FROM consent_keys WHERE tenant_id = 't1'`)
		// A fresh Ledger (a restarted gateway) must not make a new key,
		// under which mobileA's opt-out would no longer be found.
		l := ledgerAt(s)
		if _, err := l.State(ctx(t), "t1", mobileA, consent.Marketing); !errors.Is(err, consent.ErrKeyMissing) {
			t.Errorf("State = %v, want ErrKeyMissing", err)
		}
		if _, err := l.Record(ctx(t), formOptIn("t1", mobileA, consent.Marketing)); !errors.Is(err, consent.ErrKeyMissing) {
			t.Errorf("Record = %v, want ErrKeyMissing", err)
		}
		rep, err := l.Verify(ctx(t), "t1")
		must(t, err)
		if rep.OK || !strings.Contains(rep.Problem, "ledger key is missing") {
			t.Errorf("Verify = %v, want broken: ledger key missing", rep)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			s := db.Open(t)
			l := ledgerAt(s)
			seedChain(t, l)
			rep, err := l.Verify(ctx(t), "t1")
			must(t, err)
			if !rep.OK {
				t.Fatalf("untouched chain: %v", rep)
			}
			es, err := s.ConsentEntries(ctx(t), "t1", 0, 100)
			must(t, err)
			for _, q := range tc.tamper(t, es) {
				db.Exec(t, q)
			}
			rep, err = l.Verify(ctx(t), "t1")
			must(t, err)
			if rep.OK || rep.FirstBad != tc.firstBad || !strings.Contains(rep.Problem, tc.problem) {
				t.Errorf("Verify = %v (first bad %d), want broken at %d with %q", rep, rep.FirstBad, tc.firstBad, tc.problem)
			}
			// The other tenant's chain is untouched and still verifies.
			if other, err := l.Verify(ctx(t), "t2"); err != nil || !other.OK {
				t.Errorf("t2: %v, %v", other, err)
			}
		})
	}
}

func testConsentConcurrent(t *testing.T, db ConsentDB) {
	const writers, each = 4, 15
	pools := []store.Store{db.Open(t), db.Open(t)}
	c := ctx(t)
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		// Two ledgers, one per pool, as two replicas would have.
		l := ledgerAt(pools[w%2])
		wg.Go(func() {
			for i := range each {
				req := formOptIn("t1", mobileA, consent.Marketing)
				if i%2 == 1 {
					req = keywordOptOut("t1", mobileB, consent.Marketing)
				}
				if _, err := l.Record(c, req); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rep, err := consent.New(pools[0]).Verify(c, "t1")
	must(t, err)
	if !rep.OK || rep.Records != writers*each || rep.HeadSeq != writers*each {
		t.Errorf("after concurrent appends Verify = %v, want ok with %d records", rep, writers*each)
	}
}
