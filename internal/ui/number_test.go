package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/store"
)

// seedEvents gives w1 (t1's WABA) events Meta sent about it and its numbers,
// and w2 (t2's) one.
func seedEvents(t *testing.T, e *env) {
	now := time.Now().UTC()
	fw := func(tenant, waba, field, value string, at time.Time) store.Forward {
		return store.Forward{TenantID: tenant, WABAID: waba, Field: field, Value: []byte(value), CreatedAt: at, NextAttemptAt: at}
	}
	must(t, e.st.RecordOutcomes(t.Context(), nil, []store.Forward{
		fw("t1", "w1", "account_update", `{"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"SCAM"}}`, now.Add(-3*time.Hour)),
		fw("t1", "w1", "phone_number_quality_update", `{"display_phone_number":"551140000001","event":"DOWNGRADE","current_limit":"TIER_250"}`, now.Add(-2*time.Hour)),
		fw("t1", "w1", "phone_number_quality_update", `{"display_phone_number":"551140009999","event":"FLAGGED_ELSEWHERE","current_limit":"TIER_1K"}`, now.Add(-2*time.Hour)),
		fw("t1", "w1", "user_preferences", `{"metadata":{"phone_number_id":"p9"},"user_preferences":[{"value":"stop"}]}`, now.Add(-time.Hour)),
		fw("t1", "w1", "messages", `{"metadata":{"phone_number_id":"p1"},"statuses":[{"status":"MESSAGE_BODY_HERE"}]}`, now.Add(-time.Hour)),
		fw("t1", "w1", "message_template_status_update", `{"event":"PAUSED","message_template_name":"oferta_relampago","message_template_language":"pt_BR","reason":"FIRST_PAUSE"}`, now.Add(-30*time.Minute)),
		fw("t2", "w1", "account_update", `{"event":"SECRET_OF_ANOTHER_TENANT"}`, now),
		fw("t2", "w2", "account_update", `{"event":"GLOBEX_EVENT"}`, now),
	}))
}

func TestNumberPage(t *testing.T) {
	e := newEnv(t)
	seedMessages(t, e)
	seedEvents(t, e)
	b := e.browser()
	b.mustLogin("ana@acme.example")
	if ov := b.get("/ui/overview"); !strings.Contains(ov.body, `href="/ui/numbers/p1"`) {
		t.Error("the overview does not link the number to its page")
	}
	a := b.get("/ui/numbers/p1")
	if a.status != http.StatusOK {
		t.Fatalf("number page: %d", a.status)
	}
	for _, want := range []string{
		"4000-0001", "ativo", "<dd>80</dd>",
		// The timeline: the account's event, the number's quality, the template's.
		"ACCOUNT_VIOLATION", "SCAM", "DOWNGRADE", "current_limit: TIER_250", "PAUSED", "message_template_name: oferta_relampago",
		// Its refusal, explained from the catalogue.
		"470110",
		// An admin may pause it.
		`action="/ui/numbers/p1/pause"`, `src="/ui/numbers/p1/chart.svg"`,
	} {
		if !strings.Contains(a.body, want) {
			t.Errorf("number page lacks %q", want)
		}
	}
	for _, not := range []string{"FLAGGED_ELSEWHERE", "user_preferences", "MESSAGE_BODY_HERE", "SECRET_OF_ANOTHER_TENANT", "GLOBEX_EVENT", "470120"} {
		if strings.Contains(a.body, not) {
			t.Errorf("number page shows %q, which is not this number's", not)
		}
	}
	// The week: p1's own traffic (all of t1's in the seed).
	today := time.Now().UTC().Format("2006-01-02")
	if row := "<th scope=\"row\">" + today + "</th><td>2</td><td>0</td><td>1</td><td>1</td>"; !strings.Contains(a.body, row) {
		t.Errorf("the number's week lacks today's row %q", row)
	}
	svg := b.get("/ui/numbers/p1/chart.svg")
	if svg.status != http.StatusOK || !strings.HasPrefix(svg.body, "<svg") {
		t.Errorf("number chart: %d %.100q", svg.status, svg.body)
	}
	// A viewer sees the page without the button.
	v := e.browser()
	v.lang = "en"
	v.mustLogin("vic@acme.example")
	if a := v.get("/ui/numbers/p1"); a.status != http.StatusOK || strings.Contains(a.body, "/pause") || !strings.Contains(a.body, "Timeline") {
		t.Errorf("the viewer's number page: %d, pause button shown: %v", a.status, strings.Contains(a.body, "/pause"))
	}
}

// TestNumberTenantIsolation: another tenant's number, by id, on every
// route, looks exactly like a number that does not exist, and nothing is
// done to it.
func TestNumberTenantIsolation(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	token := b.mustLogin("ana@acme.example")
	missing := b.get("/ui/numbers/nope")
	for _, path := range []string{"/ui/numbers/p2", "/ui/numbers/nope"} {
		a := b.get(path)
		// The page names its own path (the language links) and nothing else differs.
		norm := func(body, id string) string { return strings.ReplaceAll(body, "numbers%2f"+id, "numbers%2fID") }
		same := norm(a.body, strings.TrimPrefix(path, "/ui/numbers/")) == norm(missing.body, "nope")
		if a.status != http.StatusNotFound || !same || strings.Contains(a.body, "4000-0002") {
			t.Errorf("GET %s = %d, want the same 404 as an unknown number", path, a.status)
		}
		if c := b.get(path + "/chart.svg"); c.status != http.StatusNotFound {
			t.Errorf("GET %s/chart.svg = %d, want 404", path, c.status)
		}
		for _, act := range []string{"pause", "resume"} {
			if a := b.do(http.MethodPost, path+"/"+act, url.Values{"csrf": {token}}); a.status != http.StatusNotFound {
				t.Errorf("POST %s/%s = %d, want 404", path, act, a.status)
			}
		}
	}
	p2, err := e.st.GetSender(t.Context(), "p2")
	must(t, err)
	if p2.State != store.SenderActive {
		t.Errorf("t1's admin changed t2's number: %+v", p2)
	}
	if evs, _ := e.st.EventForwards(t.Context(), "t2", "w2", nil, 10); len(evs) != 0 {
		t.Errorf("t2 was told of %d sender events", len(evs))
	}
}

func TestPauseAndResumeFromTheDashboard(t *testing.T) {
	var changed []string
	e := newEnv(t, func(c *Config) { c.SenderChanged = func(id string) { changed = append(changed, id) } })
	b := e.browser()
	token := b.mustLogin("ana@acme.example")

	// Without the token, from a viewer, nothing happens.
	if a := b.do(http.MethodPost, "/ui/numbers/p1/pause", url.Values{}); a.status != http.StatusForbidden {
		t.Errorf("pause without a CSRF token: %d", a.status)
	}
	v := e.browser()
	vt := v.mustLogin("vic@acme.example")
	if a := v.do(http.MethodPost, "/ui/numbers/p1/pause", url.Values{"csrf": {vt}}); a.status != http.StatusForbidden {
		t.Errorf("a viewer's pause: %d", a.status)
	}
	if s, _ := e.st.GetSender(t.Context(), "p1"); s.State != store.SenderActive || len(changed) != 0 {
		t.Fatalf("refused pauses changed the number: %+v (%v)", s, changed)
	}

	a := b.do(http.MethodPost, "/ui/numbers/p1/pause", url.Values{"csrf": {token}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/numbers/p1?done=paused" {
		t.Fatalf("pause: %d %s", a.status, a.header.Get("Location"))
	}
	s, err := e.st.GetSender(t.Context(), "p1")
	must(t, err)
	if !dispatch.Paused(s) || !strings.Contains(s.StateReason, "ana@acme.example") {
		t.Errorf("after the pause: %+v", s)
	}
	page := b.get("/ui/numbers/p1?done=paused")
	for _, want := range []string{"Número pausado", "pausado", `action="/ui/numbers/p1/resume"`, "Pausado", "paused by ana@acme.example"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the paused number's page lacks %q", want)
		}
	}
	if ov := b.get("/ui/overview"); !strings.Contains(ov.body, "pausado") {
		t.Error("the overview does not show the number paused")
	}
	// A second pause (another tab) is a conflict, not a second event.
	if a := b.do(http.MethodPost, "/ui/numbers/p1/pause", url.Values{"csrf": {token}}); a.status != http.StatusConflict {
		t.Errorf("a second pause: %d, want 409", a.status)
	}

	a = b.do(http.MethodPost, "/ui/numbers/p1/resume", url.Values{"csrf": {token}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/numbers/p1?done=resumed" {
		t.Fatalf("resume: %d %s", a.status, a.header.Get("Location"))
	}
	if s, _ := e.st.GetSender(t.Context(), "p1"); s.State != store.SenderActive {
		t.Errorf("after the resume: %+v", s)
	}
	page = b.get("/ui/numbers/p1?done=resumed")
	tl := page.body[strings.Index(page.body, `id="timeline"`):]
	if r, p := strings.Index(tl, "Retomado"), strings.Index(tl, "Pausado"); r < 0 || p < 0 || r > p {
		t.Errorf("the timeline should list the resume above the pause:\n%s", tl)
	}
	if len(changed) != 2 || changed[0] != "p1" || changed[1] != "p1" {
		t.Errorf("SenderChanged calls %v, want p1 twice", changed)
	}
}

// The number's page lists its incidents with their timeline; another
// tenant's incident never shows.
func TestNumberIncidents(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Incidents = c.Store.(IncidentReader) })
	ctx := t.Context()
	at := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	must(t, e.st.OpenIncident(ctx, store.Incident{ID: "inc_a", TenantID: "t1", PhoneNumberID: "p1", WABAID: "w1", Kind: store.IncidentRestriction,
		Title: "Meta restricted the account", OpenedAt: at, Timeline: []store.IncidentEvent{
			{At: at, Kind: store.EventMeta, Name: "ACCOUNT_RESTRICTION", Detail: "RESTRICTED_BIZ_INITIATED_MESSAGING", Raw: []byte(`{}`)},
			{At: at, Kind: store.EventAction, Name: "brake.pause_business", Detail: "held"}}}))
	must(t, e.st.CloseIncident(ctx, "inc_a", at.Add(time.Hour)))
	must(t, e.st.OpenIncident(ctx, store.Incident{ID: "inc_other", TenantID: "t2", PhoneNumberID: "p1", Kind: store.IncidentBan,
		Title: "not yours", OpenedAt: at}))
	b := e.browser()
	b.mustLogin("ana@acme.example")
	page := b.get("/ui/numbers/p1")
	for _, want := range []string{`id="incidents"`, "Meta restricted the account", "fechado", "brake.pause_business: held", "inc_a", `href="/ui/incidents/inc_a"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the number's page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "not yours") {
		t.Error("another tenant's incident is shown")
	}
}
