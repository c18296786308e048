package policy

import (
	"context"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestMarketingHold(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tmpl := &wire.SendRequest{Type: "template", Template: &wire.Template{Name: "promo"}}
	facts := func(c consent.Category, limited time.Time) Facts {
		f := Facts{Loaded: true, MarketingLimitedAt: limited}
		if c != "-" {
			f.Template = &TemplateFacts{Status: TemplateApproved, Category: c}
		}
		return f
	}
	tests := []struct {
		name  string
		hold  time.Duration
		req   *wire.SendRequest
		facts Facts
		now   time.Time
		until time.Time // zero: allowed
	}{
		{"marketing an hour after a 131049", 0, tmpl, facts(consent.Marketing, t0), t0.Add(time.Hour), t0.Add(24 * time.Hour)},
		{"just before the 24 h", 0, tmpl, facts(consent.Marketing, t0), t0.Add(24*time.Hour - time.Second), t0.Add(24 * time.Hour)},
		{"at the 24 h", 0, tmpl, facts(consent.Marketing, t0), t0.Add(24 * time.Hour), time.Time{}},
		{"a tenant's longer hold", 48 * time.Hour, tmpl, facts(consent.Marketing, t0), t0.Add(30 * time.Hour), t0.Add(48 * time.Hour)},
		{"unknown category counts as marketing", 0, tmpl, facts("-", t0), t0.Add(time.Hour), t0.Add(24 * time.Hour)},
		{"utility is not capped", 0, tmpl, facts(consent.Utility, t0), t0.Add(time.Hour), time.Time{}},
		{"no 131049", 0, tmpl, facts(consent.Marketing, time.Time{}), t0, time.Time{}},
		{"free-form text", 0, &wire.SendRequest{Type: "text"}, facts("-", t0), t0.Add(time.Hour), time.Time{}},
		{"facts not loaded", 0, tmpl, Facts{MarketingLimitedAt: t0}, t0.Add(time.Hour), time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &Message{WaID: "5511987654321", Request: tc.req, Facts: tc.facts, Now: tc.now}
			d := MarketingHold{Hold: tc.hold}.Check(context.Background(), m)
			if tc.until.IsZero() {
				if d.Outcome != Allow {
					t.Fatalf("got %+v, want allow", d)
				}
				return
			}
			if d.Outcome != Defer || d.Code != "marketing_hold.active" || !d.Until.Equal(tc.until) {
				t.Fatalf("got %+v, want a deferral until %v", d, tc.until)
			}
		})
	}
	if !AtSendTime(MarketingHold{}) {
		t.Error("MarketingHold does not run at send time")
	}
}
