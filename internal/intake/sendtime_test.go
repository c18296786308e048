package intake_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Changes committed after acceptance stop the send: the stage reads fresh
// facts, past the intake's cache.
func TestSendTimeSeesChangesAfterAcceptance(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(t *testing.T, e *env)
		want   refusal.Code
	}{
		{"nothing changed", func(*testing.T, *env) {}, 0},
		{"opted out of everything", func(t *testing.T, e *env) {
			record(t, e, consent.OptOut, consent.All, now)
		}, refusal.OptedOut},
		{"opted out of marketing", func(t *testing.T, e *env) {
			record(t, e, consent.OptOut, consent.Marketing, now)
		}, refusal.OptedOutMarketing},
		{"erased", func(t *testing.T, e *env) {
			if _, err := e.ledger.Erase(t.Context(), "acme", contact); err != nil {
				t.Fatal(err)
			}
		}, refusal.Erased},
		{"opted out, then in again", func(t *testing.T, e *env) {
			record(t, e, consent.OptOut, consent.All, now)
			e.optIn(t, now)
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func() time.Time { return now })
			e.optIn(t, now.Add(-time.Hour))
			res, err := e.svc.Accept(t.Context(), intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(tmpl)})
			if err != nil || res.Outcome != intake.Accepted {
				t.Fatalf("%+v %v", res, err)
			}
			msg, err := e.st.GetMessage(t.Context(), res.MessageID)
			if err != nil {
				t.Fatal(err)
			}
			// The intake's cache holds the opt-in; the change below goes
			// straight to the store, as from another replica.
			other := consent.New(e.st, consent.WithClock(func() time.Time { return now }))
			e.ledger = other
			tc.change(t, e)

			st := intake.NewSendTime(e.facts, func(string) *policy.Pipeline {
				return intake.SendTimeRules(policy.New(policy.Suppression{}, policy.Template{}, policy.Consent{}, policy.Window{}))
			})
			late, err := st.Check(t.Context(), &msg, now)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == 0 {
				if late != nil {
					t.Fatalf("refused at send time: %+v", late.Decision)
				}
				return
			}
			if late == nil || late.Decision.Refusal != tc.want {
				t.Fatalf("got %+v, want refusal %d", late, tc.want)
			}
			s := late.Status
			if s.Code != int(tc.want) || s.Message != s.Title || s.Href == "" || s.ErrorData == nil || !strings.Contains(s.ErrorData.Details, s.Href) {
				t.Fatalf("failed status not in Meta's shape: %+v", s)
			}
		})
	}
}

func record(t *testing.T, e *env, a consent.Action, c consent.Category, at time.Time) {
	t.Helper()
	if _, err := e.ledger.Record(t.Context(), consent.Request{TenantID: "acme", Contact: contact, Action: a, Category: c,
		Source: consent.API, Evidence: consent.Evidence{Text: "pedido por telefone", URL: "https://acme.example/crm", At: at}}); err != nil {
		t.Fatal(err)
	}
}
