package policy

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Span is the allowed part of one day, as offsets from midnight: from
// Start, inclusive, to End, exclusive. A Span with End <= Start is a closed
// day.
type Span struct {
	Start, End time.Duration
}

// Open reports whether the day has allowed hours.
func (s Span) Open() bool { return s.End > s.Start }

// Hours is when marketing may reach a person, in the person's local time.
type Hours struct {
	// Days are the allowed hours of each weekday, indexed by time.Weekday.
	Days [7]Span
	// Zone, when set, is the zone of every recipient, whatever the number
	// says. Fallback is the zone of a number that tells none.
	Zone, Fallback string
	// Spread is how far past the opening a deferred message may wake: each
	// message its own deterministic offset within it, so that thousands
	// deferred overnight do not all become due in the same second. Zero
	// wakes them all at the opening, leaving the pacing to the dispatcher.
	Spread time.Duration
}

// Open reports whether local (a time in the person's zone) is inside the
// allowed hours.
func (h Hours) Open(local time.Time) bool {
	s := h.Days[local.Weekday()]
	tod := sinceMidnight(local)
	return s.Open() && tod >= s.Start && tod < s.End
}

// Next returns the next opening after local, in local's zone; zero when no
// day is open.
func (h Hours) Next(local time.Time) time.Time {
	y, mo, d := local.Date()
	for i := range 8 {
		// Built from the wall clock, so a change of offset that day (where
		// a zone still has daylight saving) is followed.
		day := time.Date(y, mo, d+i, 0, 0, 0, 0, local.Location())
		s := h.Days[day.Weekday()]
		if !s.Open() {
			continue
		}
		if open := day.Add(s.Start); open.After(local) {
			return open
		}
	}
	return time.Time{}
}

func sinceMidnight(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
}

// QuietHours defers marketing outside the recipient's allowed local hours
// until they next open: deferred, never refused — the message is accepted
// and sent when the hours open. It runs at intake and again at send time,
// so a message that waited in the queue past the closing hour waits again.
// Utility, authentication and service messages are never held: a person
// waits for them.
type QuietHours struct {
	Hours Hours
}

// Name implements Rule.
func (QuietHours) Name() string { return "quiet_hours" }

// SendTime implements SendTimeRule: the hour changes while a message waits.
func (QuietHours) SendTime() bool { return true }

// Check implements Rule.
func (r QuietHours) Check(_ context.Context, m *Message) Decision {
	if m.Request == nil || CategoryOf(m) != consent.Marketing {
		return Allowed()
	}
	loc := r.location(m)
	local := m.Now.In(loc)
	if r.Hours.Open(local) {
		return Allowed()
	}
	next := r.Hours.Next(local)
	if next.IsZero() {
		return Allowed() // no day allowed: configuration refuses this, but never hold forever
	}
	until := next.Add(r.spread(m, next)).UTC()
	e := refusal.Must(refusal.QuietHoursClosed)
	return Deferred(r.Name(), e.Key, fmt.Sprintf("%s, until %s (%s).", e.In(refusal.EN).Title,
		until.In(loc).Format("2006-01-02 15:04"), loc), until)
}

func (r QuietHours) location(m *Message) *time.Location {
	if r.Hours.Zone != "" {
		return phone.Location("", r.Hours.Zone)
	}
	return phone.Location(m.WaID, r.Hours.Fallback)
}

// spread is the message's own offset past the opening: a hash of the
// recipient and the content, so the same message gets the same time at intake
// and at send time, and different messages spread evenly. It stays within
// the opening day's hours, however short they are, or a message could
// wake after closing time again and again.
func (r QuietHours) spread(m *Message, open time.Time) time.Duration {
	within := r.Hours.Spread
	if day := r.Hours.Days[open.Weekday()]; day.End-day.Start < within {
		within = day.End - day.Start
	}
	if within < time.Second {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(m.WaID))
	h.Write([]byte(ContentHash(m.Request)))
	return time.Duration(h.Sum64() % uint64(within/time.Second) * uint64(time.Second))
}
