package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/campaign"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// approvedTemplates says every template is an APPROVED marketing one, as
// the template cache would once Meta approved it.
type approvedTemplates struct{}

func (approvedTemplates) TemplateFacts(*policy.Message) *policy.TemplateFacts {
	return &policy.TemplateFacts{Status: policy.TemplateApproved, Category: consent.Marketing}
}

// campaignChunk is how many contacts a round walks: small, so that one
// round leaves a campaign running with contacts still to go.
const campaignChunk = 2

// withCampaigns wires the real campaign service over the env's store, with
// the intake path (consent, window and template rules) and the portfolio
// forecast, and seeds:
//   - t1: five contacts (three opted in to marketing), an audience of all,
//     "natal" started and one round in (running; two accepted, one of them
//     sent and delivered), "rascunho" still a draft;
//   - t2: one opted-in contact and "globex", running.
func withCampaigns(t *testing.T, svc **campaign.Service) func(*Config) {
	return func(c *Config) {
		st := c.Store.(*sqlite.Store)
		ledger := c.Ledger.(*consent.Ledger)
		ctx, now := t.Context(), time.Now()
		facts := intake.NewFacts(intake.FactsConfig{Consent: ledger, Windows: st, Templates: approvedTemplates{}, Identities: st, TTL: -1})
		in, err := intake.New(intake.Config{Store: st, Pipeline: policy.New(policy.DefaultRules("BR")...),
			Rules: policy.New(policy.Suppression{}, policy.Consent{}, policy.Window{}, policy.Template{}), Facts: facts})
		must(t, err)
		t.Cleanup(in.Close)
		s, err := campaign.New(campaign.Config{Store: st, Intake: in, Forecaster: limits.New(limits.Config{Store: st}), Chunk: campaignChunk})
		must(t, err)
		cs := contact.New(st, ledger)
		seed := func(tenant, number, name string, optIn bool) {
			if _, _, err := cs.Upsert(ctx, tenant, number, contact.Patch{Name: &name, Attributes: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			if optIn {
				_, err := ledger.Record(ctx, consent.Request{TenantID: tenant, Contact: number, Action: consent.OptIn,
					Category: consent.Marketing, Source: consent.WebForm,
					Evidence: consent.Evidence{Text: "Quero receber ofertas", URL: "https://acme.example/f", At: now.Add(-time.Hour)}})
				must(t, err)
			}
		}
		for i := 1; i <= 5; i++ {
			seed("t1", fmt.Sprintf("+551198765000%d", i), fmt.Sprintf("Pessoa %d", i), i != 3 && i != 5)
		}
		seed("t2", "+5521999990001", "Cliente Globex", true)
		for _, tn := range []string{"t1", "t2"} {
			_, err := cs.PutAudience(ctx, tn, "todos", "Todos", []byte(`{}`))
			must(t, err)
		}
		for _, sp := range []struct {
			tenant string
			spec   campaign.Spec
			start  bool
		}{
			{"t1", campaign.Spec{ID: "natal", Name: "Natal 2026", PhoneNumberID: "p1", TemplateName: "oferta_natal", TemplateLanguage: "pt_BR",
				Params: []string{"{{name}}"}, AudienceID: "todos"}, true},
			{"t1", campaign.Spec{ID: "rascunho", Name: "Ano novo", PhoneNumberID: "p1", TemplateName: "oferta_ano_novo", TemplateLanguage: "pt_BR",
				AudienceID: "todos"}, false},
			{"t2", campaign.Spec{ID: "globex", Name: "Segredo da Globex", PhoneNumberID: "p2", TemplateName: "promo_globex", TemplateLanguage: "es",
				AudienceID: "todos"}, true},
		} {
			_, err := s.Create(ctx, sp.tenant, sp.spec)
			must(t, err)
			if sp.start {
				_, err := s.Start(ctx, sp.tenant, sp.spec.ID)
				must(t, err)
			}
		}
		// One round: each started campaign runs and walks its first chunk.
		_, err = s.Round(ctx)
		must(t, err)
		// Meta took one of natal's messages and delivered it.
		ms, err := st.ClaimMessages(ctx, "p1", now.Add(time.Minute), 1, time.Minute)
		must(t, err)
		if len(ms) != 1 {
			t.Fatalf("claimed %d of natal's messages, want 1", len(ms))
		}
		must(t, st.RecordOutcomes(ctx, []store.Outcome{{MessageID: ms[0].ID, State: store.StateSent, MetaID: "meta." + ms[0].ID, Attempts: 1, At: now}}, nil))
		must(t, st.ApplyWebhooks(ctx, store.WebhookApply{Statuses: []store.StatusApply{
			{Event: store.StatusEvent{MessageID: ms[0].ID, MetaID: "meta." + ms[0].ID, Status: "delivered", Timestamp: now}, State: store.StateDelivered}}}))
		c.Campaigns = s
		if svc != nil {
			*svc = s
		}
	}
}

func TestCampaignsPage(t *testing.T) {
	e := newEnv(t, withCampaigns(t, nil))
	for _, tc := range []struct {
		user, lang    string
		want, notWant []string
	}{
		{"ana@acme.example", "", []string{`href="/ui/campaigns/natal"`, "Natal 2026", "oferta_natal", "enviando", "Ano novo", "rascunho",
			`<td class="num">2</td>`, `<td class="num">1</td>`, `aria-current="page">Campanhas`},
			[]string{"Segredo da Globex", "globex"}},
		{"vic@acme.example", "en", []string{"Natal 2026", "running", "draft", "Opt-outs"}, []string{"Segredo da Globex"}},
		{"bea@globex.example", "es", []string{"Segredo da Globex", "completada", "Campañas"}, []string{"Natal 2026", "Ano novo"}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			b := e.browser()
			b.lang = tc.lang
			b.mustLogin(tc.user)
			a := b.get("/ui/campaigns")
			if a.status != http.StatusOK {
				t.Fatalf("status %d", a.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(a.body, w) {
					t.Errorf("campaigns page lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(a.body, w) {
					t.Errorf("campaigns page shows %q", w)
				}
			}
		})
	}
}

func TestCampaignsPageWithoutService(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.mustLogin("ana@acme.example")
	if a := b.get("/ui/campaigns"); a.status != http.StatusOK || !strings.Contains(a.body, `id="no-campaigns"`) {
		t.Errorf("campaigns page with no service: %d", a.status)
	}
	if a := b.get("/ui/campaigns/natal"); a.status != http.StatusNotFound {
		t.Errorf("a campaign with no service: %d, want 404", a.status)
	}
}

func TestCampaignPage(t *testing.T) {
	e := newEnv(t, withCampaigns(t, nil))
	b := e.browser()
	b.mustLogin("ana@acme.example")
	a := b.get("/ui/campaigns/natal")
	if a.status != http.StatusOK {
		t.Fatalf("campaign page: %d\n%s", a.status, a.body)
	}
	for _, want := range []string{
		"Natal 2026", "enviando", "oferta_natal", "{{name}}", `href="/ui/numbers/p1"`,
		`<dd data-k="targeted">2</dd>`, `<dd data-k="accepted">2</dd>`, `<dd data-k="queued">1</dd>`,
		`<dd data-k="sent">1</dd>`, `<dd data-k="delivered">1</dd>`, `<dd data-k="read">0</dd>`,
		`<progress max="2" value="1"`, `src="/ui/campaigns/natal/chart.svg"`,
		// An admin may pause and cancel a running campaign, not resume it.
		`action="/ui/campaigns/natal/pause"`, `action="/ui/campaigns/natal/cancel"`, `action="/ui/campaigns/natal/preflight"`,
		`href="/ui/campaigns/natal?live=1"`,
	} {
		if !strings.Contains(a.body, want) {
			t.Errorf("campaign page lacks %q", want)
		}
	}
	if strings.Contains(a.body, `/resume"`) || strings.Contains(a.body, "http-equiv") {
		t.Error("a running campaign offers a resume, or the page reloads itself unasked")
	}
	if live := b.get("/ui/campaigns/natal?live=1"); !strings.Contains(live.body, `<meta http-equiv="refresh" content="10">`) || !strings.Contains(live.body, `id="live-off"`) ||
		!strings.Contains(live.body, `next=%2fui%2fcampaigns%2fnatal%3flive%3d1`) {
		t.Error("following live does not reload the page, offers no way to stop, or a language switch stops it")
	}
	// Newest first.
	list := b.get("/ui/campaigns").body
	if i, j := strings.Index(list, `data-campaign="rascunho"`), strings.Index(list, `data-campaign="natal"`); i < 0 || j < 0 || i > j {
		t.Error("the campaigns are not newest first")
	}
	svg := b.get("/ui/campaigns/natal/chart.svg")
	if svg.status != http.StatusOK || !strings.HasPrefix(svg.body, "<svg") || svg.header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("campaign chart: %d %q %.60q", svg.status, svg.header.Get("Content-Type"), svg.body)
	}
	// A viewer sees the campaign and no button; the server refuses its POSTs.
	v := e.browser()
	v.lang = "en"
	token := v.mustLogin("vic@acme.example")
	page := v.get("/ui/campaigns/natal")
	if page.status != http.StatusOK || !strings.Contains(page.body, "running") {
		t.Errorf("viewer's campaign page: %d", page.status)
	}
	for _, act := range []string{"pause", "resume", "cancel", "preflight"} {
		if strings.Contains(page.body, "/ui/campaigns/natal/"+act) {
			t.Errorf("the viewer is offered %s", act)
		}
		if a := v.do(http.MethodPost, "/ui/campaigns/natal/"+act, url.Values{"csrf": {token}, "confirm": {"1"}}); a.status != http.StatusForbidden {
			t.Errorf("viewer's POST %s = %d, want 403", act, a.status)
		}
	}
	if got, _ := e.ui.campaigns.Get(t.Context(), "t1", "natal"); got.State != string(store.CampaignRunning) {
		t.Errorf("after the viewer's attempts natal is %s", got.State)
	}
}

// TestCampaignActions: pause, resume and cancel go through the campaign
// service, redirect to the page with a notice, and refuse what the state
// does not allow with a 409 that says where the campaign is.
func TestCampaignActions(t *testing.T) {
	var svc *campaign.Service
	e := newEnv(t, withCampaigns(t, &svc))
	b := e.browser()
	token := b.mustLogin("ana@acme.example")
	post := func(path string, extra ...string) answer {
		f := url.Values{"csrf": {token}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return b.do(http.MethodPost, path, f)
	}
	for _, tc := range []struct {
		name, path  string
		extra       []string
		status      int
		location    string
		state       store.CampaignState
		notice, has string
	}{
		{"pause", "/ui/campaigns/natal/pause", nil, http.StatusSeeOther, "/ui/campaigns/natal?done=paused", store.CampaignPaused,
			"Campanha pausada", `action="/ui/campaigns/natal/resume"`},
		{"pause again", "/ui/campaigns/natal/pause", nil, http.StatusConflict, "", store.CampaignPaused, "agora: pausada", ""},
		{"resume", "/ui/campaigns/natal/resume", nil, http.StatusSeeOther, "/ui/campaigns/natal?done=resumed", store.CampaignRunning,
			"Campanha retomada", `action="/ui/campaigns/natal/pause"`},
		{"resume a running one", "/ui/campaigns/natal/resume", nil, http.StatusConflict, "", store.CampaignRunning, "agora: enviando", ""},
		{"cancel unconfirmed", "/ui/campaigns/natal/cancel", nil, http.StatusBadRequest, "", store.CampaignRunning, "Marque a confirmação", ""},
		{"cancel", "/ui/campaigns/natal/cancel", []string{"confirm", "1"}, http.StatusSeeOther, "/ui/campaigns/natal?done=cancelled",
			store.CampaignCancelled, "Campanha cancelada", "cancelada"},
		{"unknown campaign", "/ui/campaigns/nope/pause", nil, http.StatusNotFound, "", store.CampaignCancelled, "Página não encontrada", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := post(tc.path, tc.extra...)
			if a.status != tc.status || a.header.Get("Location") != tc.location {
				t.Fatalf("POST %s = %d %q, want %d %q\n%s", tc.path, a.status, a.header.Get("Location"), tc.status, tc.location, a.body)
			}
			body := a.body
			if tc.location != "" {
				body = b.get(tc.location).body
			}
			if !strings.Contains(body, tc.notice) {
				t.Errorf("the answer lacks %q", tc.notice)
			}
			if tc.has != "" && !strings.Contains(body, tc.has) {
				t.Errorf("the page lacks %q", tc.has)
			}
			v, err := svc.Get(t.Context(), "t1", "natal")
			must(t, err)
			if v.State != string(tc.state) {
				t.Errorf("natal is %s, want %s", v.State, tc.state)
			}
		})
	}
	// A cancelled campaign offers no action, and refuses them.
	page := b.get("/ui/campaigns/natal")
	for _, act := range []string{"pause", "resume", "cancel", "preflight"} {
		if strings.Contains(page.body, "/ui/campaigns/natal/"+act) {
			t.Errorf("a cancelled campaign offers %s", act)
		}
	}
	if a := post("/ui/campaigns/natal/resume"); a.status != http.StatusConflict || !strings.Contains(a.body, "agora: cancelada") {
		t.Errorf("resuming a cancelled campaign: %d", a.status)
	}
}

func TestCampaignPauseReasonNamesTheUser(t *testing.T) {
	var svc *campaign.Service
	e := newEnv(t, withCampaigns(t, &svc))
	b := e.browser()
	token := b.mustLogin("ana@acme.example")
	if a := b.do(http.MethodPost, "/ui/campaigns/natal/pause", url.Values{"csrf": {token}}); a.status != http.StatusSeeOther {
		t.Fatalf("pause: %d", a.status)
	}
	v, err := svc.Get(t.Context(), "t1", "natal")
	must(t, err)
	if !strings.Contains(v.StateReason, "ana@acme.example") {
		t.Errorf("state reason %q does not say who paused", v.StateReason)
	}
	if page := b.get("/ui/campaigns/natal"); !strings.Contains(page.body, `id="campaign-reason"`) {
		t.Error("the page does not show why the campaign is paused")
	}
	// Without the form's token nothing happens.
	if _, err := svc.Resume(t.Context(), "t1", "natal"); err != nil {
		t.Fatal(err)
	}
	if a := b.do(http.MethodPost, "/ui/campaigns/natal/pause", url.Values{"csrf": {"forged"}}); a.status != http.StatusForbidden {
		t.Errorf("pause with a forged token: %d, want 403", a.status)
	}
	if v, _ := svc.Get(t.Context(), "t1", "natal"); v.State != string(store.CampaignRunning) {
		t.Errorf("a forged pause changed natal to %s", v.State)
	}
}

// TestCampaignPreflight: an admin's pre-flight shows the service's report:
// who is eligible, who is refused and by which rule, the forecast, and
// the risks it reads in them and in the number's health (Meta rates p1
// YELLOW in withHealth).
func TestCampaignPreflight(t *testing.T) {
	var svc *campaign.Service
	e := newEnv(t, withHealth(t), withCampaigns(t, &svc))
	b := e.browser()
	b.lang = "en"
	token := b.mustLogin("ana@acme.example")
	a := b.do(http.MethodPost, "/ui/campaigns/rascunho/preflight", url.Values{"csrf": {token}})
	if a.status != http.StatusOK {
		t.Fatalf("pre-flight: %d\n%s", a.status, a.body)
	}
	want, err := svc.Get(t.Context(), "t1", "rascunho")
	must(t, err)
	if want.State != string(store.CampaignPreflight) {
		t.Errorf("after its pre-flight the draft is %s", want.State)
	}
	for _, w := range []string{
		"Pre-flight done", `id="preflight"`,
		// Five in the audience, three opted in, two refused for consent (40 %).
		`<dd data-k="pf-targeted">5</dd>`, `<dd data-k="pf-eligible">3 (60%)</dd>`, `<dd data-k="pf-refused">2 (40%)</dd>`,
		"470110", "consent.missing", `id="preflight-warnings"`, "40% of the audience would be refused",
		"quality YELLOW: a marketing campaign now risks restrictions",
		// The language links come back to the campaign's page, not the POST.
		`next=%2fui%2fcampaigns%2frascunho"`,
	} {
		if !strings.Contains(a.body, w) {
			t.Errorf("pre-flight report lacks %q", w)
		}
	}
	if strings.Contains(a.body, "sends exceed today") || strings.Contains(a.body, "stopped or paused") {
		t.Error("the pre-flight warns of a limit or a stop that is not there")
	}
	// The report is the service's: the same figures as its own pre-flight.
	pf, err := svc.Preflight(t.Context(), "t1", "rascunho")
	must(t, err)
	if pf.Targeted != 5 || pf.Eligible != 3 || pf.Refused["consent.missing"] != 2 {
		t.Errorf("the service's pre-flight %+v differs from the page's", pf)
	}
}

// TestCampaignTenantIsolation: another tenant's campaign, on every route,
// is the same 404 as a campaign that does not exist, and is left as it was.
func TestCampaignTenantIsolation(t *testing.T) {
	var svc *campaign.Service
	e := newEnv(t, withCampaigns(t, &svc))
	b := e.browser()
	token := b.mustLogin("bea@globex.example")
	missing := b.get("/ui/campaigns/nope")
	norm := func(body, id string) string { return strings.ReplaceAll(body, "campaigns%2f"+id, "campaigns%2fID") }
	for _, id := range []string{"natal", "rascunho", "nope"} {
		a := b.get("/ui/campaigns/" + id)
		if a.status != http.StatusNotFound || norm(a.body, id) != norm(missing.body, "nope") || strings.Contains(a.body, "Natal") {
			t.Errorf("GET %s = %d, want the same 404 as an unknown campaign", id, a.status)
		}
		if c := b.get("/ui/campaigns/" + id + "/chart.svg"); c.status != http.StatusNotFound {
			t.Errorf("GET %s/chart.svg = %d, want 404", id, c.status)
		}
		for _, act := range []string{"pause", "resume", "cancel", "preflight"} {
			if a := b.do(http.MethodPost, "/ui/campaigns/"+id+"/"+act, url.Values{"csrf": {token}, "confirm": {"1"}}); a.status != http.StatusNotFound {
				t.Errorf("POST %s/%s = %d, want 404", id, act, a.status)
			}
		}
	}
	for id, state := range map[string]store.CampaignState{"natal": store.CampaignRunning, "rascunho": store.CampaignDraft} {
		v, err := svc.Get(t.Context(), "t1", id)
		must(t, err)
		if v.State != string(state) {
			t.Errorf("t2's admin changed t1's %s to %s", id, v.State)
		}
	}
}
