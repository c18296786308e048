package policy

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/holiday"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Span is the allowed part of one day, as offsets from midnight: from
// Start, inclusive, to End, exclusive. A Span with End < Start crosses
// midnight: it runs from Start to the end of its day and on from the next
// midnight to End (a tenant allowing 20:00–02:00). Start == End is a
// closed day.
type Span struct {
	Start, End time.Duration
}

// Open reports whether the day has allowed hours.
func (s Span) Open() bool { return s.End != s.Start }

// crosses reports whether the span runs past midnight into the next day.
func (s Span) crosses() bool { return s.End < s.Start }

// HolidayRule is what a holiday's hours are.
type HolidayRule int

// Holiday rules.
const (
	// HolidayClosed: no marketing at any time of the holiday's date, not
	// even the tail of the evening before that crosses midnight.
	HolidayClosed HolidayRule = iota
	// HolidaySunday: the holiday has Sunday's hours.
	HolidaySunday
)

// Hours is when marketing may reach a person, in the person's local time.
type Hours struct {
	// Days are the allowed hours of each weekday, indexed by time.Weekday.
	Days [7]Span
	// Holidays are the dates whose hours follow OnHoliday instead of their
	// weekday, judged in the person's own zone (nil: none).
	Holidays  *holiday.Calendar
	OnHoliday HolidayRule
	// Zone, when set, is the zone of every recipient, whatever the number
	// says. Fallback is the zone of a number that tells none.
	Zone, Fallback string
	// Spread is how far past the opening a deferred message may wake: each
	// message its own deterministic offset within it, so that thousands
	// deferred overnight do not all become due in the same second. Zero
	// wakes them all at the opening, leaving the pacing to the dispatcher.
	Spread time.Duration
}

// day is the span of the date of midnight (a time at 00:00 local), and
// whether that date is a closed holiday.
func (h Hours) day(midnight time.Time) (s Span, closed bool) {
	if _, ok := h.Holidays.On(midnight); ok {
		if h.OnHoliday == HolidayClosed {
			return Span{}, true
		}
		return h.Days[time.Sunday], false
	}
	return h.Days[midnight.Weekday()], false
}

// window is one stretch of allowed time, [start, end).
type window struct{ start, end time.Time }

// windowOf is the allowed stretch that the span of the date of midnight
// opens, if any: a span crossing midnight ends on the next date, cut at
// that midnight when the next date is a closed holiday.
func (h Hours) windowOf(midnight time.Time) (window, bool) {
	s, _ := h.day(midnight)
	if !s.Open() {
		return window{}, false
	}
	y, mo, d := midnight.Date()
	// Built from the wall clock, so a change of offset (where a zone still
	// has daylight saving) is followed.
	next := time.Date(y, mo, d+1, 0, 0, 0, 0, midnight.Location())
	w := window{start: midnight.Add(s.Start), end: midnight.Add(s.End)}
	if s.crosses() {
		w.end = next.Add(s.End)
		if _, closed := h.day(next); closed {
			w.end = next
		}
	}
	if !w.end.After(w.start) {
		return window{}, false
	}
	return w, true
}

func midnightOf(t time.Time, days int) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d+days, 0, 0, 0, 0, t.Location())
}

// Open reports whether local (a time in the person's zone) is inside the
// allowed hours: its own date's, or the evening before's that crossed
// midnight.
func (h Hours) Open(local time.Time) bool {
	for _, back := range []int{0, -1} {
		if w, ok := h.windowOf(midnightOf(local, back)); ok && !local.Before(w.start) && local.Before(w.end) {
			return true
		}
	}
	return false
}

// openingHorizon bounds the search for the next opening: a week of closed
// days plus a run of holidays (Carnaval after a closed weekend).
const openingHorizon = 21

// Next returns the next opening after local, in local's zone; zero when no
// day is open within three weeks.
func (h Hours) Next(local time.Time) time.Time {
	w, ok := h.next(local)
	if !ok {
		return time.Time{}
	}
	return w.start
}

func (h Hours) next(local time.Time) (window, bool) {
	for i := range openingHorizon {
		if w, ok := h.windowOf(midnightOf(local, i)); ok && w.start.After(local) {
			return w, true
		}
	}
	return window{}, false
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
	w, ok := r.Hours.next(local)
	if !ok {
		return Allowed() // no day allowed: configuration refuses this, but never hold forever
	}
	until := w.start.Add(r.spread(m, w)).UTC()
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
func (r QuietHours) spread(m *Message, w window) time.Duration {
	within := r.Hours.Spread
	if open := w.end.Sub(w.start); open < within {
		within = open
	}
	if within < time.Second {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(m.WaID))
	h.Write([]byte(ContentHash(m.Request)))
	return time.Duration(h.Sum64() % uint64(within/time.Second) * uint64(time.Second))
}
