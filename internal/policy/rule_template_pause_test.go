package policy

import (
	"context"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

func TestTemplatePause(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		facts   Facts
		outcome Outcome
		refusal refusal.Code
	}{
		{"approved", Facts{Loaded: true, Template: &TemplateFacts{Status: TemplateApproved}}, Allow, 0},
		{"paused: waits", Facts{Loaded: true, Template: &TemplateFacts{Status: TemplatePaused}}, Defer, 0},
		{"disabled: fails", Facts{Loaded: true, Template: &TemplateFacts{Status: TemplateDisabled}}, Reject, refusal.TemplateDisabled},
		{"not a template", Facts{Loaded: true}, Allow, 0},
		{"cache not synced", Facts{Loaded: true, Template: &TemplateFacts{Status: TemplateNotSynced}}, Allow, 0},
		{"facts not loaded", Facts{Template: &TemplateFacts{Status: TemplatePaused}}, Allow, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := TemplatePause{}.Check(context.Background(), &Message{Facts: tc.facts, Now: now})
			if d.Outcome != tc.outcome || d.Refusal != tc.refusal {
				t.Fatalf("got %+v, want %v %d", d, tc.outcome, tc.refusal)
			}
			if d.Outcome == Defer && !d.Until.Equal(now.Add(TemplatePauseRecheck)) {
				t.Fatalf("deferred until %v, want %v", d.Until, now.Add(TemplatePauseRecheck))
			}
		})
	}
	if !AtSendTime(TemplatePause{}) {
		t.Error("TemplatePause does not run at send time")
	}
}
