package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// incidentClock is the dashboard's clock in the dossier test: a dossier
// says when it was made, and the test compares bytes.
var incidentClock = time.Now().UTC().Truncate(time.Second)

// withClock fixes the dashboard's clock.
func withClock(at time.Time) func(*Config) {
	return func(c *Config) { c.Now = func() time.Time { return at } }
}

// storeIncidents gives a dossier the store's incidents, as the server's
// adapter does (internal/server/appeal.go).
type storeIncidents struct{ st *sqlite.Store }

func (a storeIncidents) Incident(ctx context.Context, tenantID, id string) (appeal.Incident, error) {
	in, err := a.st.Incident(ctx, tenantID, id)
	if err != nil {
		return appeal.Incident{}, fmt.Errorf("incident %s: %w", id, err)
	}
	out := appeal.Incident{ID: in.ID, SenderID: in.PhoneNumberID, Kind: string(in.Kind), Opened: in.OpenedAt, Closed: in.ClosedAt}
	for _, e := range in.Timeline {
		src := "gateway"
		if e.Kind == store.EventMeta {
			src = "meta"
		}
		out.Timeline = append(out.Timeline, appeal.Event{At: e.At, Source: src, Kind: "incident." + string(e.Kind), Event: e.Name, Detail: e.Detail})
	}
	return out, nil
}

// withIncidents wires the store's incidents and the dossier builder, and
// seeds t1 an open restriction of p1 (with a timeline) and a closed flag,
// and t2 a ban of p2.
func withIncidents(t *testing.T) func(*Config) {
	return func(c *Config) {
		st := c.Store.(*sqlite.Store)
		c.Incidents = st
		c.Dossiers = &appeal.Builder{Store: st, Ledger: c.Ledger.(*consent.Ledger), Incidents: storeIncidents{st}}
		ctx, now := t.Context(), time.Now()
		if c.Now != nil {
			now = c.Now()
		}
		at := now.Add(-6 * time.Hour)
		must(t, st.OpenIncident(ctx, store.Incident{ID: "inc_flag", TenantID: "t1", PhoneNumberID: "p1", WABAID: "w1", Kind: store.IncidentFlag,
			Title: "Quality dropped to YELLOW", OpenedAt: at.Add(-48 * time.Hour), Timeline: []store.IncidentEvent{
				{At: at.Add(-48 * time.Hour), Kind: store.EventMeta, Name: "FLAGGED", Raw: []byte(`{"event":"FLAGGED"}`)}}}))
		must(t, st.CloseIncident(ctx, "inc_flag", at.Add(-24*time.Hour)))
		must(t, st.OpenIncident(ctx, store.Incident{ID: "inc_rest", TenantID: "t1", PhoneNumberID: "p1", WABAID: "w1", CampaignID: "natal",
			Kind: store.IncidentRestriction, Title: "Meta restricted the account", OpenedAt: at, Timeline: []store.IncidentEvent{
				{At: at, Kind: store.EventMeta, Name: "ACCOUNT_RESTRICTION", Detail: "RESTRICTED_BIZ_INITIATED_MESSAGING",
					Raw: []byte(`{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING"}]}`)},
				{At: at.Add(time.Minute), Kind: store.EventDecision, Name: "score.stop", Detail: "score 0.92 over 0.8"},
				{At: at.Add(2 * time.Minute), Kind: store.EventAction, Name: "brake.pause_business", Detail: "held"}}}))
		must(t, st.OpenIncident(ctx, store.Incident{ID: "inc_globex", TenantID: "t2", PhoneNumberID: "p2", WABAID: "w2", Kind: store.IncidentBan,
			Title: "Segredo da Globex banido", OpenedAt: at}))
	}
}

func TestIncidentsPage(t *testing.T) {
	e := newEnv(t, withIncidents(t))
	for _, tc := range []struct {
		user, lang    string
		want, notWant []string
	}{
		{"ana@acme.example", "", []string{`href="/ui/incidents/inc_rest"`, `href="/ui/incidents/inc_flag"`, "Meta restricted the account",
			"restrição", "sinalização", "aberto", "fechado", "11 4000-0001", aria("Incidentes")}, []string{"Globex", "inc_globex"}},
		{"vic@acme.example", "en", []string{"Meta restricted the account", "restriction", "open", "closed"}, []string{"Globex"}},
		{"bea@globex.example", "es", []string{"Segredo da Globex banido", "bloqueo", "abierto"}, []string{"inc_rest", "inc_flag", "Meta restricted"}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			b := e.browser()
			b.lang = tc.lang
			b.mustLogin(tc.user)
			a := b.get("/ui/incidents")
			if a.status != http.StatusOK {
				t.Fatalf("status %d", a.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(a.body, w) {
					t.Errorf("incidents page lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(a.body, w) {
					t.Errorf("incidents page shows %q", w)
				}
			}
		})
	}
	// Newest first.
	b := e.browser()
	b.mustLogin("ana@acme.example")
	body := b.get("/ui/incidents").body
	if i, j := strings.Index(body, "inc_rest"), strings.Index(body, "inc_flag"); i < 0 || j < 0 || i > j {
		t.Error("the incidents are not newest first")
	}
}

func aria(label string) string { return `aria-current="page">` + label }

func TestIncidentPage(t *testing.T) {
	e := newEnv(t, withIncidents(t))
	b := e.browser()
	b.mustLogin("ana@acme.example")
	a := b.get("/ui/incidents/inc_rest")
	if a.status != http.StatusOK {
		t.Fatalf("incident page: %d", a.status)
	}
	for _, w := range []string{
		"<h1 id=\"incident-h\">Meta restricted the account</h1>", "restrição", "aberto", `href="/ui/campaigns/natal"`, `href="/ui/numbers/p1"`,
		// The timeline, oldest first: Meta's event with its payload, the gateway's reading and action.
		"ACCOUNT_RESTRICTION", "RESTRICTED_BIZ_INITIATED_MESSAGING", "restriction_info", "score.stop", "leitura do gateway",
		"brake.pause_business", "ação do gateway",
		// The dossier, in each format, in the page's language.
		`href="/ui/incidents/inc_rest/appeal?format=pdf&amp;lang=pt-BR"`, `href="/ui/incidents/inc_rest/appeal?format=json&amp;lang=pt-BR"`,
		`href="/ui/incidents/inc_rest/appeal?format=html&amp;lang=pt-BR"`,
	} {
		if !strings.Contains(a.body, w) {
			t.Errorf("incident page lacks %q", w)
		}
	}
	if i, j := strings.Index(a.body, "ACCOUNT_RESTRICTION"), strings.Index(a.body, "brake.pause_business"); i > j {
		t.Error("the timeline is not oldest first")
	}
	// Without a dossier builder the page says so and links nothing.
	bare := newEnv(t, func(c *Config) { withIncidents(t)(c); c.Dossiers = nil })
	nb := bare.browser()
	nb.mustLogin("ana@acme.example")
	if a := nb.get("/ui/incidents/inc_rest"); !strings.Contains(a.body, "não monta dossiês") || strings.Contains(a.body, "/appeal?") {
		t.Error("with no dossier builder the page still offers a download")
	}
	if a := nb.get("/ui/incidents/inc_rest/appeal"); a.status != http.StatusNotFound {
		t.Errorf("download with no builder: %d, want 404", a.status)
	}
}

// TestIncidentDossier: the download is the dossier the API serves — the
// same builder, the same writer, the same bytes — as an attachment, for a
// viewer too; a bad format is refused.
func TestIncidentDossier(t *testing.T) {
	var builder appeal.Builder
	e := newEnv(t, withClock(incidentClock), withIncidents(t), func(c *Config) { builder = *c.Dossiers.(*appeal.Builder) })
	b := e.browser()
	b.mustLogin("vic@acme.example")
	d, err := builder.Build(t.Context(), appeal.Request{TenantID: "t1", IncidentID: "inc_rest", Now: incidentClock})
	must(t, err)
	for _, tc := range []struct{ format, lang, ctype string }{
		{"pdf", "pt-BR", "application/pdf"}, {"json", "en", "application/json"}, {"html", "es", "text/html; charset=utf-8"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			a := b.get("/ui/incidents/inc_rest/appeal?format=" + tc.format + "&lang=" + tc.lang)
			if a.status != http.StatusOK {
				t.Fatalf("download: %d\n%.300s", a.status, a.body)
			}
			if got := a.header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got, want := a.header.Get("Content-Disposition"), `attachment; filename="appeal-inc_rest.`+tc.format+`"`; got != want {
				t.Errorf("Content-Disposition %q, want %q", got, want)
			}
			var want bytes.Buffer
			must(t, appeal.Write(&want, d, tc.format, tc.lang))
			if a.body != want.String() {
				t.Errorf("the download (%d bytes) is not the API's dossier (%d bytes)", len(a.body), want.Len())
			}
		})
	}
	if a := b.get("/ui/incidents/inc_rest/appeal?format=docx"); a.status != http.StatusBadRequest || a.header.Get("Content-Disposition") != "" {
		t.Errorf("an unknown format: %d %q, want 400", a.status, a.header.Get("Content-Disposition"))
	}
	if a := b.get("/ui/incidents/inc_rest/appeal"); a.status != http.StatusOK || !strings.HasPrefix(a.body, "%PDF") {
		t.Errorf("the default download is not a PDF: %d %.10q", a.status, a.body)
	}
}

// TestIncidentTenantIsolation: another tenant's incident and its dossier
// are the same 404 as an incident that does not exist.
func TestIncidentTenantIsolation(t *testing.T) {
	e := newEnv(t, withIncidents(t))
	b := e.browser()
	b.mustLogin("bea@globex.example")
	missing := b.get("/ui/incidents/nope")
	norm := func(body, id string) string { return strings.ReplaceAll(body, "incidents%2f"+id, "incidents%2fID") }
	for _, id := range []string{"inc_rest", "inc_flag", "nope"} {
		a := b.get("/ui/incidents/" + id)
		if a.status != http.StatusNotFound || norm(a.body, id) != norm(missing.body, "nope") || strings.Contains(a.body, "restricted") {
			t.Errorf("GET %s = %d, want the same 404 as an unknown incident", id, a.status)
		}
		for _, f := range []string{"pdf", "json"} {
			if a := b.get("/ui/incidents/" + id + "/appeal?format=" + f); a.status != http.StatusNotFound || a.header.Get("Content-Disposition") != "" {
				t.Errorf("GET %s/appeal?format=%s = %d, want 404", id, f, a.status)
			}
		}
	}
	if a := b.get("/ui/incidents/inc_globex"); a.status != http.StatusOK {
		t.Errorf("t2's own incident: %d", a.status)
	}
}

func TestDossierFilename(t *testing.T) {
	for id, want := range map[string]string{
		"inc_01": "appeal-inc_01.pdf", `a"b;c` + "\r\n": "appeal-a_b_c__.pdf", "ção": "appeal-__o.pdf",
	} {
		if got := dossierFilename(id, "pdf"); got != want {
			t.Errorf("dossierFilename(%q) = %q, want %q", id, got, want)
		}
	}
}
