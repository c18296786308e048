package policy

import (
	"context"
	"testing"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestUSMarketing(t *testing.T) {
	t.Parallel()
	tmpl := &wire.SendRequest{Type: "template", Template: &wire.Template{Name: "promo"}}
	text := &wire.SendRequest{Type: "text"}
	facts := func(c consent.Category) Facts {
		return Facts{Loaded: true, Template: &TemplateFacts{Status: TemplateApproved, Category: c}}
	}
	tests := []struct {
		name   string
		waID   string
		req    *wire.SendRequest
		facts  Facts
		refuse bool
	}{
		{"marketing to the US", "16505551234", tmpl, facts(consent.Marketing), true},
		{"marketing to Canada (+1, not the US)", "14165550123", tmpl, facts(consent.Marketing), false},
		{"marketing to Brazil", "5511987654321", tmpl, facts(consent.Marketing), false},
		{"utility to the US", "16505551234", tmpl, facts(consent.Utility), false},
		{"authentication to the US", "16505551234", tmpl, facts(consent.Authentication), false},
		{"category unknown: Meta decides", "16505551234", tmpl, facts(""), false},
		{"template not in the cache", "16505551234", tmpl, Facts{Loaded: true}, false},
		{"free-form text to the US", "16505551234", text, Facts{Loaded: true}, false},
		{"facts not loaded", "16505551234", tmpl, Facts{Template: &TemplateFacts{Category: consent.Marketing}}, false},
		{"no wa_id (a BSUID)", "", tmpl, facts(consent.Marketing), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &Message{WaID: tc.waID, Request: tc.req, Facts: tc.facts}
			d := USMarketing{}.Check(context.Background(), m)
			if !tc.refuse {
				if d.Outcome != Allow {
					t.Fatalf("got %+v, want allow", d)
				}
				return
			}
			if d.Outcome != Reject || d.Refusal != refusal.USMarketing || d.Code != "us_marketing.blocked" || d.Err == nil {
				t.Fatalf("got %+v, want the us_marketing refusal", d)
			}
		})
	}
	if !AtSendTime(USMarketing{}) {
		t.Error("USMarketing does not run at send time")
	}
}
