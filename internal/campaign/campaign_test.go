package campaign_test

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/campaign"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

const (
	tenant = "acme"
	pnid   = "109000000000001"
	waba   = "209000000000001"
)

var now = time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// templates is the template facts source: the template's status, which a
// test changes mid-campaign as Meta's webhook would.
type templates struct {
	mu     sync.Mutex
	status policy.TemplateStatus
}

func (t *templates) set(s policy.TemplateStatus) { t.mu.Lock(); t.status = s; t.mu.Unlock() }

func (t *templates) TemplateFacts(m *policy.Message) *policy.TemplateFacts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return &policy.TemplateFacts{Status: t.status, Category: consent.Marketing}
}

// env is one gateway process: a store file, the intake path with the
// consent and template rules, and the campaign service. reopen plays a
// restart over the same file.
type env struct {
	t     *testing.T
	path  string
	box   *secret.Box
	tpl   *templates
	st    *sqlite.Store
	in    *intake.Service
	svc   *campaign.Service
	chunk int
	// crashAfter, when > 0, makes the campaign service fail (as a killed
	// process would stop) after that many messages accepted and before
	// their checkpoint.
	crashAfter int
	accepted   int
}

var errCrash = errors.New("process killed")

func newEnv(t *testing.T, chunk int) *env {
	box, err := secret.NewBox(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, path: filepath.Join(t.TempDir(), "w.db"), box: box, tpl: &templates{status: policy.TemplateApproved}, chunk: chunk}
	e.open()
	ctx := t.Context()
	must(t, e.st.PutTenant(ctx, store.Tenant{ID: tenant, Name: "Acme", CreatedAt: now}))
	must(t, e.st.PutSender(ctx, store.Sender{PhoneNumberID: pnid, TenantID: tenant, WABAID: waba, DisplayPhoneNumber: "+55 11 4000-1000",
		ThroughputMPS: 80, State: store.SenderActive}))
	t.Cleanup(e.close)
	return e
}

func (e *env) open() {
	t := e.t
	st, err := sqlite.Open(t.Context(), e.path, e.box)
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	ledger := consent.New(st, consent.WithClock(clock))
	facts := intake.NewFacts(intake.FactsConfig{Consent: ledger, Windows: st, Templates: e.tpl, Identities: st, TTL: -1, Now: clock})
	e.in, err = intake.New(intake.Config{Store: st, Pipeline: policy.New(policy.DefaultRules("BR")...),
		Rules: policy.New(policy.Suppression{}, policy.Consent{}, policy.Window{}, policy.Template{}), Facts: facts, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = campaign.New(campaign.Config{Store: st, Intake: e.in, Forecaster: limits.New(limits.Config{Store: st, Now: clock}),
		Chunk: e.chunk, Now: clock, OnAccepted: func(_, _, _ string) error {
			e.accepted++
			if e.crashAfter > 0 && e.accepted >= e.crashAfter {
				return errCrash
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) close() {
	if e.st == nil {
		return
	}
	e.in.Close()
	_ = e.st.Close()
	e.st = nil
}

// restart closes the process abruptly (nothing of the campaign flushed
// beyond what was committed) and opens a new one on the same file.
func (e *env) restart() {
	e.close()
	e.crashAfter, e.accepted = 0, 0
	e.open()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// person is one contact of the test audience.
type person struct {
	number  string
	name    string
	order   string // "" leaves the attribute out
	optedIn bool
}

func (p person) waID() string { return strings.TrimPrefix(p.number, "+") }

// audience is ten people: six opted in with everything the template needs,
// one opted in without the order attribute, three who never opted in.
func audience() []person {
	var ps []person
	for i := range 10 {
		p := person{number: fmt.Sprintf("+55119876543%02d", i), name: fmt.Sprintf("Pessoa %d", i), order: fmt.Sprintf("A-%d", 100+i), optedIn: true}
		switch i {
		case 2, 5, 8:
			p.optedIn = false
		case 6:
			p.order = ""
		}
		ps = append(ps, p)
	}
	return ps
}

func eligible(ps []person) []person {
	var out []person
	for _, p := range ps {
		if p.optedIn && p.order != "" {
			out = append(out, p)
		}
	}
	return out
}

func (e *env) seed(ps []person) {
	ctx := e.t.Context()
	ledger := consent.New(e.st, consent.WithClock(clock))
	cs := contact.New(e.st, ledger, contact.WithClock(clock))
	for _, p := range ps {
		name := p.name
		attrs := []byte(`{}`)
		if p.order != "" {
			attrs = fmt.Appendf(nil, `{"order":%q}`, p.order)
		}
		if _, _, err := cs.Upsert(ctx, tenant, p.number, contact.Patch{Name: &name, Attributes: attrs}); err != nil {
			e.t.Fatal(err)
		}
		if p.optedIn {
			if _, err := ledger.Record(ctx, consent.Request{TenantID: tenant, Contact: p.number, Action: consent.OptIn,
				Category: consent.Marketing, Source: consent.WebForm,
				Evidence: consent.Evidence{Text: "Quero receber ofertas", URL: "https://acme.example/f", At: now.Add(-time.Hour)}}); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	if _, err := cs.PutAudience(ctx, tenant, "everyone", "Everyone", []byte(`{}`)); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) create(id string) {
	_, err := e.svc.Create(e.t.Context(), tenant, campaign.Spec{ID: id, Name: "Natal", PhoneNumberID: pnid, TemplateName: "promo",
		TemplateLanguage: "pt_BR", Params: []string{"{{name}}", "{{attr.order}}"}, AudienceID: "everyone"})
	must(e.t, err)
}

// runUntil runs rounds until the campaign is in state (at most 100 rounds).
func (e *env) runUntil(id string, state store.CampaignState) campaign.View {
	e.t.Helper()
	for range 100 {
		if _, err := e.svc.Round(e.t.Context()); err != nil {
			e.t.Fatalf("round: %v", err)
		}
		v, err := e.svc.Get(e.t.Context(), tenant, id)
		must(e.t, err)
		if v.State == string(state) {
			return v
		}
	}
	e.t.Fatalf("campaign %s never reached %s", id, state)
	return campaign.View{}
}

// messagesTo counts the messages the gateway holds for a person.
func (e *env) messagesTo(p person) []store.Message {
	ms, err := e.st.MessagesByRecipient(e.t.Context(), tenant, p.waID(), 0, 10)
	must(e.t, err)
	return ms
}

// checkExactlyOnce checks that every eligible person has one message, with
// their own parameters, and nobody else has any.
func (e *env) checkExactlyOnce(ps []person) {
	e.t.Helper()
	for _, p := range ps {
		ms := e.messagesTo(p)
		want := 0
		if p.optedIn && p.order != "" {
			want = 1
		}
		if len(ms) != want {
			e.t.Errorf("%s has %d messages, want %d", p.number, len(ms), want)
			continue
		}
		if want == 1 && (!strings.Contains(string(ms[0].Body), p.order) || !strings.Contains(string(ms[0].Body), p.name)) {
			e.t.Errorf("%s's message lacks their parameters: %s", p.number, ms[0].Body)
		}
	}
}

func key(c refusal.Code) string {
	e, _ := refusal.Lookup(c)
	return e.Key
}

func TestKillMidCampaignSendsEachContactOnce(t *testing.T) {
	ps := audience()
	e := newEnv(t, 3)
	e.seed(ps)
	e.create("natal")
	ctx := t.Context()
	if _, err := e.svc.Start(ctx, tenant, "natal"); err != nil {
		t.Fatal(err)
	}
	// The process dies after its fourth accepted message, in the second
	// chunk: intake committed it, its checkpoint never came.
	e.crashAfter = 4
	var err error
	for range 10 {
		if _, err = e.svc.Round(ctx); err != nil {
			break
		}
	}
	if !errors.Is(err, errCrash) {
		t.Fatalf("the crash did not happen: %v", err)
	}
	before, err := e.svc.Get(ctx, tenant, "natal")
	must(t, err)
	// A message exists that no checkpoint accounts for: the window the
	// exactly-once argument is about.
	orphan := false
	for _, p := range eligible(ps) {
		if len(e.messagesTo(p)) == 1 && p.waID() > before.Cursor {
			orphan = true
		}
	}
	if !orphan || before.State != "running" || before.Accepted >= 4 {
		t.Fatalf("not a mid-chunk crash: orphan=%v, %+v", orphan, before)
	}

	e.restart()
	v := e.runUntil("natal", store.CampaignCompleted)
	e.checkExactlyOnce(ps)
	want := map[string]int64{key(refusal.NoConsent): 3, key(refusal.CampaignParamMissing): 1}
	if v.Targeted != 10 || v.Accepted != 6 || !maps.Equal(v.Refused, want) {
		t.Fatalf("counters: targeted %d accepted %d refused %v; want 10, 6, %v", v.Targeted, v.Accepted, v.Refused, want)
	}
	st, err := e.svc.Stats(ctx, tenant, "natal")
	must(t, err)
	if st.Accepted != 6 || st.Queued != 6 || st.Sent != 0 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestPauseResumeContinuesFromCheckpoint(t *testing.T) {
	ps := audience()
	e := newEnv(t, 2)
	e.seed(ps)
	e.create("natal")
	ctx := t.Context()
	_, err := e.svc.Start(ctx, tenant, "natal")
	must(t, err)
	for range 2 {
		_, err := e.svc.Round(ctx)
		must(t, err)
	}
	p, err := e.svc.Pause(ctx, tenant, "natal", "")
	must(t, err)
	if p.State != "paused" || p.Cursor == "" || p.StateReason != "paused by hand" {
		t.Fatalf("paused: %+v", p)
	}
	// Paused: rounds do nothing.
	for range 3 {
		_, err := e.svc.Round(ctx)
		must(t, err)
	}
	still, err := e.svc.Get(ctx, tenant, "natal")
	must(t, err)
	if still.Cursor != p.Cursor || still.Accepted != p.Accepted {
		t.Fatalf("a paused campaign moved: %+v → %+v", p, still)
	}
	if _, err := e.svc.Pause(ctx, tenant, "natal", ""); !errors.Is(err, store.ErrCampaignState) {
		t.Fatalf("pausing a paused campaign: %v", err)
	}
	_, err = e.svc.Resume(ctx, tenant, "natal")
	must(t, err)
	v := e.runUntil("natal", store.CampaignCompleted)
	e.checkExactlyOnce(ps)
	if v.Accepted != 6 || v.Targeted != 10 {
		t.Fatalf("after resume: %+v", v)
	}
	if _, err := e.svc.Resume(ctx, tenant, "natal"); !errors.Is(err, store.ErrCampaignState) {
		t.Fatalf("resuming a completed campaign: %v", err)
	}
	if _, err := e.svc.Cancel(ctx, tenant, "natal"); !errors.Is(err, store.ErrCampaignState) {
		t.Fatalf("cancelling a completed campaign: %v", err)
	}
}

func TestTemplatePausedMidwayPausesCampaign(t *testing.T) {
	ps := audience()
	e := newEnv(t, 3)
	e.seed(ps)
	e.create("natal")
	ctx := t.Context()
	_, err := e.svc.Start(ctx, tenant, "natal")
	must(t, err)
	_, err = e.svc.Round(ctx)
	must(t, err)
	first, err := e.svc.Get(ctx, tenant, "natal")
	must(t, err)
	// Meta pauses the template.
	e.tpl.set(policy.TemplatePaused)
	v := e.runUntil("natal", store.CampaignPaused)
	if !strings.Contains(v.StateReason, "template.paused") || !strings.Contains(v.StateReason, "promo") {
		t.Fatalf("the campaign does not say why: %q", v.StateReason)
	}
	if v.Cursor != first.Cursor || v.Accepted != first.Accepted {
		t.Fatalf("the refused contact was passed: %+v → %+v", first, v)
	}
	if _, ok := v.Refused[key(refusal.TemplatePaused)]; ok {
		t.Fatalf("the template's pause was counted as a contact's refusal: %v", v.Refused)
	}
	// Meta lifts the pause; the team resumes.
	e.tpl.set(policy.TemplateApproved)
	_, err = e.svc.Resume(ctx, tenant, "natal")
	must(t, err)
	v = e.runUntil("natal", store.CampaignCompleted)
	e.checkExactlyOnce(ps)
	if v.Accepted != 6 || v.Targeted != 10 {
		t.Fatalf("after the pause: %+v", v)
	}
}

func TestRiskPauseSaysWhy(t *testing.T) {
	e := newEnv(t, 3)
	e.seed(audience())
	e.create("natal")
	ctx := t.Context()
	_, err := e.svc.Start(ctx, tenant, "natal")
	must(t, err)
	v, err := e.svc.PauseForRisk(ctx, tenant, "natal", "quality rating dropped to YELLOW")
	must(t, err)
	if v.State != "paused" || v.StateReason != "risk: quality rating dropped to YELLOW" {
		t.Fatalf("%+v", v)
	}
}

func TestPreflightMatchesRun(t *testing.T) {
	ps := audience()
	e := newEnv(t, 4)
	e.seed(ps)
	e.create("natal")
	ctx := t.Context()
	pf, err := e.svc.Preflight(ctx, tenant, "natal")
	must(t, err)
	if pf.Finish.IsZero() || pf.Today != int(pf.Eligible) || pf.BeyondToday != 0 || pf.MPS != 80 {
		t.Fatalf("forecast: %+v", pf)
	}
	// Nothing was committed or recorded by the pre-flight.
	for _, p := range ps {
		if n := len(e.messagesTo(p)); n != 0 {
			t.Fatalf("the pre-flight queued %d messages to %s", n, p.number)
		}
	}
	v, err := e.svc.Get(ctx, tenant, "natal")
	must(t, err)
	if v.State != "preflight" {
		t.Fatalf("state after pre-flight: %s", v.State)
	}
	_, err = e.svc.Start(ctx, tenant, "natal")
	must(t, err)
	v = e.runUntil("natal", store.CampaignCompleted)
	if pf.Targeted != v.Targeted || pf.Eligible != v.Accepted || !maps.Equal(pf.Refused, v.Refused) {
		t.Fatalf("pre-flight %+v, run: targeted %d accepted %d refused %v", pf, v.Targeted, v.Accepted, v.Refused)
	}
	if pf.Eligible != int64(len(eligible(ps))) {
		t.Fatalf("eligible %d, want %d", pf.Eligible, len(eligible(ps)))
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	e := newEnv(t, 3)
	e.seed(audience())
	must(t, e.st.PutSender(t.Context(), store.Sender{PhoneNumberID: "other", TenantID: "globex", WABAID: "w9", State: store.SenderActive}))
	good := campaign.Spec{ID: "ok", Name: "Natal", PhoneNumberID: pnid, TemplateName: "promo", TemplateLanguage: "pt_BR",
		Params: []string{"{{name}}"}, AudienceID: "everyone"}
	tests := []struct {
		name  string
		edit  func(*campaign.Spec)
		field string
	}{
		{"bad id", func(s *campaign.Spec) { s.ID = "Not An Id" }, "id"},
		{"no name", func(s *campaign.Spec) { s.Name = "" }, "name"},
		{"no template", func(s *campaign.Spec) { s.TemplateName = "" }, "template"},
		{"no language", func(s *campaign.Spec) { s.TemplateLanguage = "" }, "language"},
		{"unknown expression", func(s *campaign.Spec) { s.Params = []string{"{{birthday}}"} }, "params[0]"},
		{"empty parameter", func(s *campaign.Spec) { s.Params = []string{"{{name}}", ""} }, "params[1]"},
		{"another tenant's number", func(s *campaign.Spec) { s.PhoneNumberID = "other" }, "phone_number_id"},
		{"unknown audience", func(s *campaign.Spec) { s.AudienceID = "nobody" }, "audience_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := good
			tc.edit(&sp)
			_, err := e.svc.Create(t.Context(), tenant, sp)
			var fe *campaign.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, campaign.ErrInvalid) {
				t.Fatalf("got %v, want a refusal of %s", err, tc.field)
			}
		})
	}
	if _, err := e.svc.Create(t.Context(), tenant, good); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Create(t.Context(), tenant, good); !errors.Is(err, store.ErrExists) {
		t.Fatalf("a taken id: %v", err)
	}
}
