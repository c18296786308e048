package policy

import (
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestMessagingLimit(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tmpl := &wire.SendRequest{To: "+5511999990000", Type: "template", Template: &wire.Template{Name: "oferta"}}
	text := &wire.SendRequest{To: "+5511999990000", Type: "text"}
	full := &QuotaFacts{Limit: 2000, Used: 2000, NextRelease: now.Add(3 * time.Hour)}
	for _, tc := range []struct {
		name  string
		req   *wire.SendRequest
		facts Facts
		want  Outcome
		until time.Time
	}{
		{"full, template outside the window: waits for the release", tmpl, Facts{Loaded: true, Quota: full}, Defer, now.Add(3 * time.Hour)},
		{"full, window open: a reply flows", tmpl, Facts{Loaded: true, Quota: full, LastInbound: now.Add(-time.Hour)}, Allow, time.Time{}},
		{"full, window just closed", tmpl, Facts{Loaded: true, Quota: full, LastInbound: now.Add(-24 * time.Hour)}, Defer, now.Add(3 * time.Hour)},
		{"full, free-form in the window", text, Facts{Loaded: true, Quota: full, LastInbound: now.Add(-time.Minute)}, Allow, time.Time{}},
		{"full, recipient already counted", tmpl, Facts{Loaded: true, Quota: &QuotaFacts{Limit: 2000, Used: 2000, Counted: true}}, Allow, time.Time{}},
		{"one slot left", tmpl, Facts{Loaded: true, Quota: &QuotaFacts{Limit: 2000, Used: 1999}}, Allow, time.Time{}},
		{"unlimited", tmpl, Facts{Loaded: true, Quota: &QuotaFacts{Limit: -1, Used: 500000}}, Allow, time.Time{}},
		{"zero limit, no release known: asks again in a minute", tmpl, Facts{Loaded: true, Quota: &QuotaFacts{Limit: 0}}, Defer, now.Add(time.Minute)},
		{"release time already past", tmpl, Facts{Loaded: true, Quota: &QuotaFacts{Limit: 1, Used: 1, NextRelease: now.Add(-time.Second)}}, Defer, now.Add(time.Minute)},
		{"no quota kept", tmpl, Facts{Loaded: true}, Allow, time.Time{}},
		{"facts not loaded", tmpl, Facts{Quota: full}, Allow, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{Request: tc.req, Now: now, Facts: tc.facts}
			d := MessagingLimit{}.Check(t.Context(), m)
			if d.Outcome != tc.want {
				t.Fatalf("outcome %v, want %v (%+v)", d.Outcome, tc.want, d)
			}
			if tc.want == Defer && (!d.Until.Equal(tc.until) || d.Code != "messaging_limit.reached" || d.Refusal != 470170) {
				t.Errorf("deferral %+v, want until %v", d, tc.until)
			}
		})
	}
	if !AtSendTime(MessagingLimit{}) {
		t.Error("the messaging limit must run at send time")
	}
}
