package policy

import (
	"context"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Replies inside an open window keep flowing while marketing, or every
// business-initiated message, is paused; a stop holds everything.
func TestSenderBrake(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tmpl := &wire.SendRequest{Type: "template", Template: &wire.Template{Name: "t"}}
	text := &wire.SendRequest{Type: "text"}
	facts := func(level string, c consent.Category, lastIn time.Time, until time.Time) Facts {
		f := Facts{Loaded: true, LastInbound: lastIn}
		if level != "" {
			f.Brake = &BrakeFacts{Level: level, Reason: "test", Until: until}
		}
		if c != "" {
			f.Template = &TemplateFacts{Status: TemplateApproved, Category: c}
		}
		return f
	}
	open := t0.Add(-time.Hour)        // the person wrote an hour ago
	closed := t0.Add(-25 * time.Hour) // more than a day ago
	tests := []struct {
		name  string
		req   *wire.SendRequest
		facts Facts
		code  string // "" allowed
		until time.Time
	}{
		{"no brake", tmpl, facts("", consent.Marketing, time.Time{}, time.Time{}), "", time.Time{}},
		{"marketing paused: marketing template waits", tmpl, facts(BrakePauseMarketing, consent.Marketing, time.Time{}, time.Time{}), "sender_brake.marketing_paused", t0.Add(time.Minute)},
		{"marketing paused: utility goes", tmpl, facts(BrakePauseMarketing, consent.Utility, time.Time{}, time.Time{}), "", time.Time{}},
		{"marketing paused: a reply in the window goes", text, facts(BrakePauseMarketing, "", open, time.Time{}), "", time.Time{}},
		{"business paused: a reply in the window goes", text, facts(BrakePauseBusiness, "", open, time.Time{}), "", time.Time{}},
		{"business paused: utility waits", tmpl, facts(BrakePauseBusiness, consent.Utility, open, time.Time{}), "sender_brake.business_paused", t0.Add(time.Minute)},
		{"business paused: text outside the window waits", text, facts(BrakePauseBusiness, "", closed, time.Time{}), "sender_brake.business_paused", t0.Add(time.Minute)},
		{"business paused until a sooner expiry", tmpl, facts(BrakePauseBusiness, consent.Marketing, time.Time{}, t0.Add(10*time.Second)), "sender_brake.business_paused", t0.Add(10 * time.Second)},
		{"stopped: even a reply waits", text, facts(BrakeStop, "", open, time.Time{}), "sender_brake.stopped", t0.Add(time.Minute)},
		{"facts not loaded", tmpl, Facts{Brake: &BrakeFacts{Level: BrakeStop}}, "", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &Message{WaID: "5511987654321", Request: tc.req, Facts: tc.facts, Now: t0}
			d := SenderBrake{}.Check(context.Background(), m)
			if tc.code == "" {
				if d.Outcome != Allow {
					t.Fatalf("got %+v, want allow", d)
				}
				return
			}
			if d.Outcome != Defer || d.Code != tc.code || !d.Until.Equal(tc.until) {
				t.Fatalf("got %+v, want %s until %v", d, tc.code, tc.until)
			}
		})
	}
	if !AtSendTime(SenderBrake{}) {
		t.Error("SenderBrake does not run at send time")
	}
}

// BenchmarkSenderBrake measures the send-time rule on a clean sender (no
// brake, the common case) and on a paused one.
func BenchmarkSenderBrake(b *testing.B) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tmpl := &wire.SendRequest{Type: "template", Template: &wire.Template{Name: "t"}}
	for _, bc := range []struct {
		name  string
		brake *BrakeFacts
	}{{"clean", nil}, {"marketing_paused", &BrakeFacts{Level: BrakePauseMarketing}}} {
		b.Run(bc.name, func(b *testing.B) {
			m := &Message{WaID: "5511987654321", Request: tmpl, Now: t0, Facts: Facts{Loaded: true, Brake: bc.brake,
				Template: &TemplateFacts{Status: TemplateApproved, Category: consent.Marketing}}}
			r := SenderBrake{}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Check(ctx, m)
			}
		})
	}
}
