package policy

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Cap is at most Max messages of a category to one contact within Per.
type Cap struct {
	Max int
	Per time.Duration
}

// On reports whether the cap limits anything.
func (c Cap) On() bool { return c.Max > 0 && c.Per > 0 }

// Frequency refuses a template when the contact already received the
// tenant's cap of that category within the cap's window: too many
// messages are what make people block and report a number. It refuses
// rather than defers: a message held for days would arrive out of its
// moment (a sale that ended, a reminder of the past), and the client,
// told at once, can choose what to send when the window frees.
//
// Free-form messages are not counted: they answer a person who wrote
// within the last 24 hours.
//
// The count read here is the intake's view; the commit re-counts inside
// its transaction (store.Cadence), so two replicas accepting at once cannot
// both take the last slot.
type Frequency struct {
	Caps map[consent.Category]Cap
}

// Name implements Rule.
func (Frequency) Name() string { return "frequency" }

// Check implements Rule.
func (r Frequency) Check(_ context.Context, m *Message) Decision {
	if !m.Facts.Loaded || m.Request == nil || !m.Request.IsTemplate() {
		return Allowed()
	}
	cat := CategoryOf(m)
	c, ok := r.Caps[cat]
	if !ok || !c.On() {
		return Allowed()
	}
	if n := CountSince(m.Facts.Recent, cat, m.Now.Add(-c.Per)); n >= c.Max {
		return Refused(r.Name(), refusal.FrequencyCap, m.Facts.Lang,
			fmt.Sprintf("(%s: %d/%d, %s)", cat, n, c.Max, FormatWindow(c.Per)))
	}
	return Allowed()
}

// CountSince counts the sends of cat at or after since.
func CountSince(sent []Sent, cat consent.Category, since time.Time) int {
	n := 0
	for _, s := range sent {
		if s.Category == cat && !s.At.Before(since) {
			n++
		}
	}
	return n
}

// FormatWindow writes a window in days when it is whole days ("7d"), as
// Go writes durations otherwise.
func FormatWindow(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
