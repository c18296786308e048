package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// The rules that read facts: suppression, consent, window, template. Each
// case builds facts as the loader would and checks the decision, its
// catalogue code and the language of its explanation.
func TestFactRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	const (
		tmpl = `{"messaging_product":"whatsapp","to":"5511987654321","type":"template","template":{"name":"promo","language":{"code":"pt_BR"}}}`
		text = `{"messaging_product":"whatsapp","to":"5511987654321","type":"text","text":{"body":"oi"}}`
		read = `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`
	)
	in := func(cat consent.Category, at time.Time) consent.State {
		return consent.State{Action: consent.OptIn, Category: cat, At: at}
	}
	out := func(cat consent.Category, at time.Time) consent.State {
		return consent.State{Action: consent.OptOut, Category: cat, At: at}
	}
	erased := consent.State{Action: consent.Erased, Category: consent.All, At: now.Add(-time.Hour)}
	allIn := ConsentFacts{Marketing: in(consent.All, now.Add(-48*time.Hour)), Utility: in(consent.All, now.Add(-48*time.Hour)), Authentication: in(consent.All, now.Add(-48*time.Hour))}
	stopAt := now.Add(-2 * time.Hour)
	allOut := ConsentFacts{Marketing: out(consent.All, stopAt), Utility: out(consent.All, stopAt), Authentication: out(consent.All, stopAt)}
	mktOut := allIn
	mktOut.Marketing = out(consent.Marketing, now.Add(-time.Hour))
	utilOnly := ConsentFacts{Utility: in(consent.Utility, now.Add(-time.Hour))}
	utility := &TemplateFacts{Status: TemplateApproved, Category: consent.Utility}
	marketing := &TemplateFacts{Status: TemplateApproved, Category: consent.Marketing}

	tests := []struct {
		name     string
		raw      string
		consent  ConsentFacts
		inbound  time.Time
		template *TemplateFacts
		noFacts  bool
		lang     refusal.Lang
		code     refusal.Code // 0: allowed
	}{
		// suppression
		{"erased refuses a template", tmpl, ConsentFacts{Marketing: erased, Utility: erased, Authentication: erased}, time.Time{}, marketing, false, refusal.PT, refusal.Erased},
		{"erased refuses even a reply in the window", text, ConsentFacts{Marketing: erased, Utility: erased, Authentication: erased}, now.Add(-time.Minute), nil, false, refusal.EN, refusal.Erased},
		{"opted out of all refuses a utility template", tmpl, allOut, time.Time{}, utility, false, refusal.ES, refusal.OptedOut},
		{"opted out of all refuses a reply to the STOP itself", text, allOut, stopAt, nil, false, refusal.PT, refusal.OptedOut},
		{"opted out of all allows a reply after the person wrote again", text, allOut, stopAt.Add(time.Minute), nil, false, refusal.PT, 0},
		{"marketing opt-out refuses marketing", tmpl, mktOut, time.Time{}, marketing, false, refusal.PT, refusal.OptedOutMarketing},
		{"marketing opt-out refuses a template of unknown category", tmpl, mktOut, time.Time{}, nil, false, refusal.PT, refusal.OptedOutMarketing},
		{"marketing opt-out allows utility", tmpl, mktOut, time.Time{}, utility, false, refusal.PT, 0},
		{"marketing opt-out allows a reply in the window", text, mktOut, now.Add(-time.Hour), nil, false, refusal.PT, 0},
		{"mark read always passes", read, allOut, time.Time{}, nil, false, refusal.PT, 0},
		// consent
		{"no opt-in refuses a template", tmpl, ConsentFacts{}, time.Time{}, marketing, false, refusal.EN, refusal.NoConsent},
		{"utility opt-in does not cover marketing", tmpl, utilOnly, time.Time{}, marketing, false, refusal.PT, refusal.NoConsent},
		{"utility opt-in covers utility", tmpl, utilOnly, time.Time{}, utility, false, refusal.PT, 0},
		{"opt-in of all covers marketing", tmpl, allIn, time.Time{}, marketing, false, refusal.PT, 0},
		{"reply inside the window needs no opt-in", text, ConsentFacts{}, now.Add(-23 * time.Hour), nil, false, refusal.PT, 0},
		// window
		{"free-form with no inbound ever", text, allIn, time.Time{}, nil, false, refusal.ES, refusal.WindowClosed},
		{"free-form after 24 h", text, allIn, now.Add(-24 * time.Hour), nil, false, refusal.PT, refusal.WindowClosed},
		{"free-form just inside 24 h", text, allIn, now.Add(-24*time.Hour + time.Second), nil, false, refusal.PT, 0},
		{"template outside the window", tmpl, allIn, time.Time{}, marketing, false, refusal.PT, 0},
		// template
		{"template absent", tmpl, allIn, time.Time{}, &TemplateFacts{Status: TemplateAbsent}, false, refusal.EN, refusal.TemplateUnknown},
		{"template pending", tmpl, allIn, time.Time{}, &TemplateFacts{Status: TemplatePending, Category: consent.Marketing}, false, refusal.PT, refusal.TemplateNotApproved},
		{"template paused", tmpl, allIn, time.Time{}, &TemplateFacts{Status: TemplatePaused, Category: consent.Marketing}, false, refusal.PT, refusal.TemplatePaused},
		{"template disabled", tmpl, allIn, time.Time{}, &TemplateFacts{Status: TemplateDisabled, Category: consent.Marketing}, false, refusal.PT, refusal.TemplateDisabled},
		{"template parameters wrong", tmpl, allIn, time.Time{}, &TemplateFacts{Status: TemplateApproved, Category: consent.Marketing, Problems: []string{"body expects 2 parameters, got 1"}}, false, refusal.PT, refusal.TemplateParams},
		{"template cache not synced", tmpl, allIn, time.Time{}, &TemplateFacts{Status: TemplateNotSynced}, false, refusal.PT, 0},
		// identity: Meta's 131062, given at once
		{"authentication template to a BSUID", `{"messaging_product":"whatsapp","to":"BR.1349120865530274","type":"template","template":{"name":"otp","language":{"code":"pt_BR"}}}`,
			allIn, time.Time{}, &TemplateFacts{Status: TemplateApproved, Category: consent.Authentication}, false, refusal.PT, -131062},
		{"marketing template to a BSUID", `{"messaging_product":"whatsapp","to":"BR.1349120865530274","type":"template","template":{"name":"promo","language":{"code":"pt_BR"}}}`,
			allIn, time.Time{}, marketing, false, refusal.PT, 0},
		// without a loader nothing of this is enforced
		{"no facts loaded", tmpl, ConsentFacts{}, time.Time{}, nil, true, refusal.PT, 0},
	}
	p := New(Schema{}, Suppression{}, BSUIDAuth{}, Consent{}, Window{}, Template{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &Message{Raw: []byte(tc.raw), Now: now}
			if !tc.noFacts {
				m.Facts = Facts{Loaded: true, Consent: tc.consent, LastInbound: tc.inbound, Template: tc.template, Lang: tc.lang}
			}
			d := p.Evaluate(context.Background(), m)
			if tc.code == 0 {
				if d.Outcome != Allow {
					t.Fatalf("refused: %s %s", d.Code, d.Reason)
				}
				return
			}
			if tc.code < 0 { // a refusal with Meta's own code
				if d.Outcome != Reject || d.Err == nil || d.Err.Code != int(-tc.code) || d.Refusal != 0 {
					t.Fatalf("got %s %s %+v, want Meta's %d", d.Outcome, d.Code, d.Err, -tc.code)
				}
				return
			}
			if d.Outcome != Reject || d.Refusal != tc.code {
				t.Fatalf("got %s %s (%d), want refusal %d", d.Outcome, d.Code, d.Refusal, tc.code)
			}
			e := refusal.Must(tc.code)
			if d.Code != e.Key || d.Rule != strings.SplitN(e.Key, ".", 2)[0] {
				t.Errorf("decision code %q rule %q, want %q", d.Code, d.Rule, e.Key)
			}
			if d.Err == nil || d.Err.Code != int(tc.code) || !strings.Contains(d.Err.Details(), e.In(tc.lang).Explanation) {
				t.Errorf("Graph error not the catalogue's in %s: %+v", tc.lang, d.Err)
			}
		})
	}
}

func TestDoubleOptInNeedsWhatsAppConfirmation(t *testing.T) {
	t.Parallel()
	tmpl := `{"messaging_product":"whatsapp","to":"5511987654321","type":"template","template":{"name":"promo","language":{"code":"pt_BR"}}}`
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		source consent.Source
		cat    consent.Category
		want   refusal.Code
	}{
		{"web form opt-in, marketing", consent.WebForm, consent.Marketing, refusal.Unconfirmed},
		{"import opt-in, marketing", consent.Import, consent.Marketing, refusal.Unconfirmed},
		{"confirmed on WhatsApp", consent.WhatsAppKeyword, consent.Marketing, 0},
		{"Meta's resume", consent.UserPreferences, consent.Marketing, 0},
		{"web form opt-in, utility needs no confirmation", consent.WebForm, consent.Utility, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := consent.State{Action: consent.OptIn, Category: tc.cat, Source: tc.source, At: at}
			m := &Message{Raw: []byte(tmpl), Now: at}
			m.Facts = Facts{Loaded: true, Consent: ConsentFacts{Marketing: st, Utility: st, Authentication: st},
				Template: &TemplateFacts{Status: TemplateApproved, Category: tc.cat}}
			d := New(Schema{}, Consent{Confirmed: true}).Evaluate(context.Background(), m)
			if d.Refusal != tc.want {
				t.Fatalf("got %s %d, want %d", d.Code, d.Refusal, tc.want)
			}
		})
	}
}
