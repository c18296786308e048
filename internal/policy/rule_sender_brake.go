package policy

import (
	"context"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
)

// Brake levels the SenderBrake rule acts on (risk engine, store.BrakeLevel).
const (
	BrakePauseMarketing = "pause_marketing"
	BrakePauseBusiness  = "pause_business"
	BrakeStop           = "stop"
)

// DefaultBrakeRecheck is how long a message held by a brake waits before it
// is asked again when the brake names no end.
const DefaultBrakeRecheck = time.Minute

// SenderBrake holds messages back while the risk engine brakes their
// sender: with marketing paused, marketing templates wait; with every
// business-initiated message paused, everything but a reply inside the
// person's open 24-hour customer-service window waits (Meta still lets a
// restricted number answer, meta-platform.md §1.7–1.8); with the sender
// stopped, everything waits. Held messages are deferred, never failed: they
// go out in order once the brake lifts. It reads facts only (the engine's
// cache), so it costs a map read per message.
type SenderBrake struct {
	// Recheck is how long a held message waits before it is asked again
	// (DefaultBrakeRecheck when zero); a restriction with an end waits for
	// that end when it comes sooner.
	Recheck time.Duration
}

// Name implements Rule.
func (SenderBrake) Name() string { return "sender_brake" }

// SendTime implements SendTimeRule: a brake set after acceptance holds the
// queued messages.
func (SenderBrake) SendTime() bool { return true }

// Check implements Rule.
func (r SenderBrake) Check(_ context.Context, m *Message) Decision {
	b := m.Facts.Brake
	if !m.Facts.Loaded || b == nil {
		return Allowed()
	}
	recheck := r.Recheck
	if recheck <= 0 {
		recheck = DefaultBrakeRecheck
	}
	until := m.Now.Add(recheck)
	if !b.Until.IsZero() && b.Until.After(m.Now) && b.Until.Before(until) {
		until = b.Until
	}
	inWindow := !m.Facts.LastInbound.IsZero() && m.Now.Sub(m.Facts.LastInbound) < ServiceWindow
	switch b.Level {
	case BrakeStop:
		return Deferred("sender_brake", "sender_brake.stopped", "the sender is stopped: "+b.Reason, until)
	case BrakePauseBusiness:
		if inWindow && (m.Request == nil || !m.Request.IsTemplate()) {
			return Allowed() // a reply inside the open window
		}
		return Deferred("sender_brake", "sender_brake.business_paused",
			"business-initiated messages of this sender are paused: "+b.Reason, until)
	case BrakePauseMarketing:
		if CategoryOf(m) != consent.Marketing {
			return Allowed()
		}
		return Deferred("sender_brake", "sender_brake.marketing_paused",
			"marketing of this sender is paused: "+b.Reason, until)
	}
	return Allowed()
}
