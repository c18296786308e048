package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/holiday"
)

// Frequency is a tenant's per-contact caps and identical-content guard:
// policy.frequency gives every tenant's defaults and tenants[].frequency
// overrides them field by field (and cap by cap).
type Frequency struct {
	// Mode is "enforce" (the default) or "off".
	Mode string `json:"mode,omitempty"`
	// Caps per category (marketing, utility, authentication): at most Max
	// templates of the category to one contact within Per. Max 0 lifts
	// the category's cap. Defaults: marketing 2 per 168h; others none.
	Caps map[string]Cap `json:"caps,omitempty"`
	// RepeatWithin refuses a template identical (name, language,
	// parameters) to one the contact received within it; "24h" by
	// default, "0s" turns the guard off.
	RepeatWithin *Duration `json:"repeat_within,omitempty"`
}

// Cap is one category's cap.
type Cap struct {
	Max int      `json:"max"`
	Per Duration `json:"per"`
}

// QuietHours is when marketing may reach a person, in the person's local
// time (from the number): policy.quiet_hours gives the defaults and
// tenants[].quiet_hours overrides them field by field.
type QuietHours struct {
	// Mode is "enforce" (the default) or "off".
	Mode string `json:"mode,omitempty"`
	// Start and End ("HH:MM", End up to "24:00") bound the allowed hours on
	// the Days listed ("mon" … "sun"); an End before Start crosses midnight
	// (20:00–02:00 runs into the next day). Defaults: 09:00–21:00, mon–fri.
	Start string   `json:"start,omitempty"`
	End   string   `json:"end,omitempty"`
	Days  []string `json:"days,omitempty"`
	// Quiet, "HH:MM-HH:MM", is the closed stretch instead of Start and End:
	// "22:00-08:00" allows 08:00–22:00, "01:00-06:00" allows 06:00 to 01:00
	// the next day.
	Quiet string `json:"quiet,omitempty"`
	// PerDay overrides the hours of single days, "HH:MM-HH:MM" (crossing
	// midnight when the end is before the start), or "closed". Default:
	// sat "10:00-16:00".
	PerDay map[string]string `json:"per_day,omitempty"`
	// Holidays are the dates whose hours are not their weekday's.
	Holidays *Holidays `json:"holidays,omitempty"`
	// ZoneOverride, an IANA zone, is every recipient's zone, whatever the
	// number says.
	ZoneOverride string `json:"zone_override,omitempty"`
	// DefaultZone is the zone of numbers that tell none (and the pick when
	// a number's prefix spans several zones and it is one of them).
	DefaultZone string `json:"default_zone,omitempty"`
	// Spread is how far past the opening deferred messages are spread
	// ("30m" by default; "0s" wakes them all at the opening).
	Spread *Duration `json:"spread,omitempty"`
}

// Holidays are a tenant's public holidays, judged in the recipient's local
// date: Brazil's national holidays (for recipients in Brazilian zones) and
// the tenant's own dates.
type Holidays struct {
	// National is "BR" (the default: Brazil's national holidays, fixed and
	// from Easter) or "none".
	National string `json:"national,omitempty"`
	// Extra are the tenant's own holidays, "YYYY-MM-DD" or "MM-DD" (every
	// year), for every recipient; a tenant's list adds to the global one.
	Extra []string `json:"extra,omitempty"`
	// Hours is "closed" (the default: no marketing all day) or "sunday"
	// (Sunday's hours).
	Hours string `json:"hours,omitempty"`
}

// Cadence defaults.
var (
	DefaultCaps         = map[string]Cap{"marketing": {Max: 2, Per: Duration(7 * 24 * time.Hour)}}
	DefaultRepeatWithin = 24 * time.Hour
	DefaultSpread       = 30 * time.Minute
)

// Bounds that refuse absurd values.
const (
	maxCapMessages = 1000
	maxWindow      = 366 * 24 * time.Hour
	maxSpread      = 6 * time.Hour
)

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// FrequencySettings are a tenant's resolved caps and repeat guard.
type FrequencySettings struct {
	Enforced     bool
	Caps         map[string]CapSettings
	RepeatWithin time.Duration
}

// CapSettings is one resolved cap.
type CapSettings struct {
	Max int
	Per time.Duration
}

// DaySpan is one day's allowed hours as offsets from midnight; End <=
// Start is a closed day.
type DaySpan struct{ Start, End time.Duration }

// QuietHoursSettings are a tenant's resolved quiet hours.
type QuietHoursSettings struct {
	Enforced bool
	// Days by time.Weekday; End < Start crosses midnight, End == Start is
	// closed.
	Days                      [7]DaySpan
	ZoneOverride, DefaultZone string
	Spread                    time.Duration
	// BrazilHolidays adds Brazil's national holidays to ExtraHolidays;
	// HolidaySunday gives holidays Sunday's hours instead of none.
	BrazilHolidays bool
	ExtraHolidays  []string
	HolidaySunday  bool
}

// FrequencyFor resolves a tenant's caps: defaults, then policy.frequency,
// then tenants[].frequency.
func (c Config) FrequencyFor(tenantID string) FrequencySettings {
	out := FrequencySettings{Enforced: true, Caps: map[string]CapSettings{}, RepeatWithin: DefaultRepeatWithin}
	for k, v := range DefaultCaps {
		out.Caps[k] = CapSettings{v.Max, v.Per.D()}
	}
	apply := func(f *Frequency) {
		if f == nil {
			return
		}
		if f.Mode != "" {
			out.Enforced = Enforces(f.Mode)
		}
		for k, v := range f.Caps {
			out.Caps[k] = CapSettings{v.Max, v.Per.D()}
		}
		if f.RepeatWithin != nil {
			out.RepeatWithin = f.RepeatWithin.D()
		}
	}
	apply(c.Policy.Frequency)
	if t := c.tenant(tenantID); t != nil {
		apply(t.Frequency)
	}
	return out
}

// QuietHoursFor resolves a tenant's quiet hours: defaults, then
// policy.quiet_hours, then tenants[].quiet_hours. The values were
// validated on load.
func (c Config) QuietHoursFor(tenantID string) QuietHoursSettings {
	q := QuietHours{Start: "09:00", End: "21:00", Days: []string{"mon", "tue", "wed", "thu", "fri"},
		PerDay: map[string]string{"sat": "10:00-16:00"}}
	out := QuietHoursSettings{Enforced: true, Spread: DefaultSpread, BrazilHolidays: true}
	apply := func(o *QuietHours) {
		if o == nil {
			return
		}
		if o.Mode != "" {
			out.Enforced = Enforces(o.Mode)
		}
		if o.Quiet != "" {
			// The closed stretch's end opens the day, its start closes it.
			q.Start, q.End, _ = strings.Cut(o.Quiet, "-")
			q.Start, q.End = q.End, q.Start
		}
		if o.Start != "" {
			q.Start = o.Start
		}
		if o.End != "" {
			q.End = o.End
		}
		if h := o.Holidays; h != nil {
			if h.National != "" {
				out.BrazilHolidays = strings.EqualFold(h.National, "BR")
			}
			out.ExtraHolidays = append(out.ExtraHolidays, h.Extra...)
			if h.Hours != "" {
				out.HolidaySunday = strings.EqualFold(h.Hours, "sunday")
			}
		}
		if o.Days != nil {
			q.Days = o.Days
			q.PerDay = map[string]string{} // days given: the default Saturday goes too
		}
		for k, v := range o.PerDay {
			q.PerDay[k] = v
		}
		if o.ZoneOverride != "" {
			out.ZoneOverride = o.ZoneOverride
		}
		if o.DefaultZone != "" {
			out.DefaultZone = o.DefaultZone
		}
		if o.Spread != nil {
			out.Spread = o.Spread.D()
		}
	}
	apply(c.Policy.QuietHours)
	if t := c.tenant(tenantID); t != nil {
		apply(t.QuietHours)
	}
	start, _ := clockTime(q.Start)
	end, _ := clockTime(q.End)
	for _, d := range q.Days {
		if i := slices.Index(weekdays, strings.ToLower(d)); i >= 0 {
			out.Days[i] = DaySpan{start, end}
		}
	}
	for d, v := range q.PerDay {
		if i := slices.Index(weekdays, strings.ToLower(d)); i >= 0 {
			s, _ := parseSpan(v)
			out.Days[i] = s
		}
	}
	return out
}

func (c Config) tenant(id string) *TenantConfig {
	for i := range c.Tenants {
		if c.Tenants[i].ID == id {
			return &c.Tenants[i]
		}
	}
	return nil
}

// clockTime parses "HH:MM" (00:00–24:00) to an offset from midnight.
func clockTime(s string) (time.Duration, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day (00:00–24:00)", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// parseSpan parses "HH:MM-HH:MM" or "closed". An end before the start
// crosses midnight; an end equal to it is refused (write "closed").
func parseSpan(s string) (DaySpan, error) {
	if strings.EqualFold(s, "closed") {
		return DaySpan{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return DaySpan{}, fmt.Errorf("%q is not HH:MM-HH:MM or closed", s)
	}
	start, err := clockTime(a)
	if err != nil {
		return DaySpan{}, err
	}
	end, err := clockTime(b)
	if err != nil {
		return DaySpan{}, err
	}
	if end == start {
		return DaySpan{}, fmt.Errorf("%q ends when it starts (write closed for a closed day)", s)
	}
	return DaySpan{start, end}, nil
}

func validMode(where, mode string) error {
	if mode != "" && mode != Enforce && mode != Off {
		return fmt.Errorf("%s.mode %q is not enforce or off", where, mode)
	}
	return nil
}

func (f *Frequency) validate(where string) error {
	if f == nil {
		return nil
	}
	errs := []error{validMode(where, f.Mode)}
	for k, v := range f.Caps {
		w := fmt.Sprintf("%s.caps.%s", where, k)
		switch k {
		case "marketing", "utility", "authentication":
		default:
			errs = append(errs, fmt.Errorf("%s: category %q is not marketing, utility or authentication", w, k))
		}
		if v.Max < 0 || v.Max > maxCapMessages {
			errs = append(errs, fmt.Errorf("%s.max %d is outside 0..%d", w, v.Max, maxCapMessages))
		}
		if v.Max > 0 && (v.Per.D() <= 0 || v.Per.D() > maxWindow) {
			errs = append(errs, fmt.Errorf("%s.per %s must be more than 0 and at most %s", w, v.Per.D(), maxWindow))
		}
	}
	if r := f.RepeatWithin; r != nil && (r.D() < 0 || r.D() > maxWindow) {
		errs = append(errs, fmt.Errorf("%s.repeat_within %s is outside 0..%s", where, r.D(), maxWindow))
	}
	return errors.Join(errs...)
}

func (q *QuietHours) validate(where string) error {
	if q == nil {
		return nil
	}
	errs := []error{validMode(where, q.Mode)}
	var start, end time.Duration
	var err error
	if q.Start != "" {
		if start, err = clockTime(q.Start); err != nil {
			errs = append(errs, fmt.Errorf("%s.start: %w", where, err))
		}
	}
	if q.End != "" {
		if end, err = clockTime(q.End); err != nil {
			errs = append(errs, fmt.Errorf("%s.end: %w", where, err))
		}
	}
	if q.Start != "" && q.End != "" && end == start {
		errs = append(errs, fmt.Errorf("%s: end %s is the same as start %s: no allowed hours (use 00:00 and 24:00 for all day)", where, q.End, q.Start))
	}
	if q.Quiet != "" {
		if q.Start != "" || q.End != "" {
			errs = append(errs, fmt.Errorf("%s.quiet: give either quiet or start and end, not both", where))
		}
		if _, err := parseSpan(q.Quiet); err != nil {
			errs = append(errs, fmt.Errorf("%s.quiet: %w", where, err))
		}
	}
	if h := q.Holidays; h != nil {
		if h.National != "" && !strings.EqualFold(h.National, "BR") && !strings.EqualFold(h.National, "none") {
			errs = append(errs, fmt.Errorf("%s.holidays.national %q is not BR or none", where, h.National))
		}
		if h.Hours != "" && !strings.EqualFold(h.Hours, "closed") && !strings.EqualFold(h.Hours, "sunday") {
			errs = append(errs, fmt.Errorf("%s.holidays.hours %q is not closed or sunday", where, h.Hours))
		}
		for i, d := range h.Extra {
			if err := holiday.ParseDate(d); err != nil {
				errs = append(errs, fmt.Errorf("%s.holidays.extra[%d]: %w", where, i, err))
			}
		}
	}
	if q.Days != nil && len(q.Days) == 0 && len(q.PerDay) == 0 {
		errs = append(errs, fmt.Errorf("%s.days is empty: marketing would never be sent (use mode: off to drop the rule)", where))
	}
	for _, d := range q.Days {
		if !slices.Contains(weekdays, strings.ToLower(d)) {
			errs = append(errs, fmt.Errorf("%s.days: %q is not one of %s", where, d, strings.Join(weekdays, ", ")))
		}
	}
	for d, v := range q.PerDay {
		if !slices.Contains(weekdays, strings.ToLower(d)) {
			errs = append(errs, fmt.Errorf("%s.per_day: %q is not one of %s", where, d, strings.Join(weekdays, ", ")))
		}
		if _, err := parseSpan(v); err != nil {
			errs = append(errs, fmt.Errorf("%s.per_day.%s: %w", where, d, err))
		}
	}
	for _, z := range []struct{ name, v string }{{"zone_override", q.ZoneOverride}, {"default_zone", q.DefaultZone}} {
		if z.v == "" {
			continue
		}
		if _, err := time.LoadLocation(z.v); err != nil || z.v == "Local" {
			errs = append(errs, fmt.Errorf("%s.%s %q is not an IANA time zone", where, z.name, z.v))
		}
	}
	if s := q.Spread; s != nil && (s.D() < 0 || s.D() > maxSpread) {
		errs = append(errs, fmt.Errorf("%s.spread %s is outside 0..%s", where, s.D(), maxSpread))
	}
	return errors.Join(errs...)
}
