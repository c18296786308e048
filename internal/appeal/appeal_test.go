package appeal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

var created = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func open(t *testing.T) (*sqlite.Store, *consent.Ledger) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "wabaguard.db"), storetest.Sealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for _, tn := range []store.Tenant{{ID: "acme", Name: "Acme", CreatedAt: created}, {ID: "other", Name: "Other", CreatedAt: created}} {
		if err := st.PutTenant(t.Context(), tn); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []store.Sender{{PhoneNumberID: "p1", TenantID: "acme", WABAID: "w1", DisplayPhoneNumber: "+55 11 4000-1000", State: store.SenderActive},
		{PhoneNumberID: "p2", TenantID: "other", WABAID: "w2", DisplayPhoneNumber: "+55 11 4000-2000", State: store.SenderActive}} {
		if err := st.PutSender(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	return st, consent.New(st)
}

// A dossier over a number that never sent, never synced, with no consent
// record and a window reaching before the tenant existed says each of
// those instead of inventing figures; its text states only what is there.
func TestMissingData(t *testing.T) {
	st, l := open(t)
	b := &appeal.Builder{Store: st, Ledger: l}
	now := created.Add(10 * 24 * time.Hour)
	d, err := b.Build(t.Context(), appeal.Request{TenantID: "acme", SenderID: "p1", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"before_tenant", "no_health", "no_tier", "no_messages", "no_consent", "no_meta_events", "no_incidents"} {
		if !d.Has(key) {
			t.Errorf("missing %q not noted: %+v", key, d.Missing)
		}
	}
	for _, m := range d.Missing {
		for _, lang := range appeal.Langs {
			if m.Text[lang] == "" {
				t.Errorf("%s: no %s text", m.Key, lang)
			}
		}
	}
	if len(d.Days) != 31 || d.Totals.Sent != 0 || d.Consent.Recipients != 0 || d.Limit.Limit != 0 || d.Appeal.Case != "none" {
		t.Errorf("figures invented: %d days, totals %+v, consent %+v, limit %+v, case %s", len(d.Days), d.Totals, d.Consent, d.Limit, d.Appeal.Case)
	}
	if strings.Contains(d.Appeal.Texts["en"], "opt-in") || strings.Contains(d.Appeal.Texts["en"], "verified") {
		t.Errorf("the text speaks of consent it does not have: %s", d.Appeal.Texts["en"])
	}
	raw := render(t, d)
	numbersOnlyFromJSON(t, d, raw)
}

// A tenant never gets a dossier of another tenant's number; bad windows
// and an incident without an incident source are refused.
func TestRefusals(t *testing.T) {
	st, l := open(t)
	b := &appeal.Builder{Store: st, Ledger: l}
	now := created.Add(time.Hour)
	tests := []struct {
		name string
		req  appeal.Request
		want error
	}{
		{"another tenant's sender", appeal.Request{TenantID: "acme", SenderID: "p2", Now: now}, appeal.ErrNotFound},
		{"unknown sender", appeal.Request{TenantID: "acme", SenderID: "p9", Now: now}, appeal.ErrNotFound},
		{"reversed window", appeal.Request{TenantID: "acme", SenderID: "p1", From: now, To: now.Add(-time.Hour), Now: now}, appeal.ErrWindow},
		{"too long", appeal.Request{TenantID: "acme", SenderID: "p1", From: now.Add(-500 * 24 * time.Hour), To: now, Now: now}, appeal.ErrWindow},
		{"incident without incidents", appeal.Request{TenantID: "acme", IncidentID: "i1", Now: now}, appeal.ErrNoIncidents},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := b.Build(t.Context(), tc.req); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// incidents is an incident source of one incident, standing for the risk
// engine's store.
type incidents map[string]appeal.Incident

func (m incidents) Incident(_ context.Context, tenantID, id string) (appeal.Incident, error) {
	i, ok := m[tenantID+"/"+id]
	if !ok {
		return appeal.Incident{}, store.ErrNotFound
	}
	return i, nil
}

// An incident brings its sender, its window (with the 30 days before) and
// its timeline into the dossier; another tenant's incident is not found.
func TestIncident(t *testing.T) {
	st, l := open(t)
	opened := created.Add(5 * 24 * time.Hour)
	inc := appeal.Incident{ID: "i1", SenderID: "p1", Kind: "restriction", Opened: opened, Closed: opened.Add(2 * time.Hour),
		Timeline: []appeal.Event{{At: opened, Source: "gateway", Kind: "incident", Event: "opened"}}}
	b := &appeal.Builder{Store: st, Ledger: l, Incidents: incidents{"acme/i1": inc}}
	d, err := b.Build(t.Context(), appeal.Request{TenantID: "acme", IncidentID: "i1", Now: opened.Add(time.Hour * 5)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Incident == nil || d.Incident.ID != "i1" || !d.Window.To.Equal(inc.Closed) || !d.Window.From.Equal(opened.Add(-appeal.DefaultWindow)) ||
		len(d.Actions) != 1 || d.Actions[0].Event != "opened" || d.Has("no_incidents") {
		t.Errorf("incident dossier: %+v window %+v actions %+v", d.Incident, d.Window, d.Actions)
	}
	if _, err := b.Build(t.Context(), appeal.Request{TenantID: "other", IncidentID: "i1", Now: opened}); !errors.Is(err, appeal.ErrNotFound) {
		t.Errorf("another tenant's incident: err = %v", err)
	}
}

// render writes all three formats, checks their shape, and returns the JSON.
func render(t *testing.T, d *appeal.Dossier) []byte {
	t.Helper()
	var js, page, pdf bytes.Buffer
	for _, f := range []struct {
		format string
		buf    *bytes.Buffer
	}{{appeal.FormatJSON, &js}, {appeal.FormatHTML, &page}, {appeal.FormatPDF, &pdf}} {
		if err := appeal.Write(f.buf, d, f.format, "en"); err != nil {
			t.Fatalf("%s: %v", f.format, err)
		}
	}
	var back appeal.Dossier
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := appeal.WriteJSON(&again, &back); err != nil || !bytes.Equal(again.Bytes(), js.Bytes()) {
		t.Errorf("the JSON does not round-trip (%v)", err)
	}
	if !strings.Contains(page.String(), "<svg") {
		t.Error("the HTML has no chart")
	}
	if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) || !bytes.Contains(pdf.Bytes(), []byte("/Type /Page")) {
		t.Error("the PDF has no page")
	}
	return js.Bytes()
}

var numbers = regexp.MustCompile(`\d+(?:\.\d+)?`)

func numbersOnlyFromJSON(t *testing.T, d *appeal.Dossier, raw []byte) {
	t.Helper()
	in := map[string]bool{}
	for _, n := range numbers.FindAllString(string(raw), -1) {
		in[n] = true
	}
	for _, l := range appeal.Langs {
		for _, n := range numbers.FindAllString(d.Appeal.Texts[l], -1) {
			if !in[n] {
				t.Errorf("%s text says %s, not in the JSON", l, n)
			}
		}
	}
}
