// Package holiday knows public holidays: Brazil's national holidays, fixed
// and movable (computed from Easter, for any year), and a tenant's own
// extra dates. Quiet hours ask it whether a recipient's local date is a
// holiday.
package holiday

import (
	"fmt"
	"slices"
	"time"
)

// Easter returns Easter Sunday of a year of the Gregorian calendar (the
// anonymous Gregorian algorithm, Meeus/Jones/Butcher), as a UTC date.
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// Holiday is one public holiday.
type Holiday struct {
	Date time.Time // midnight UTC of the date
	Name string
}

// brazilFixed are the national holidays on fixed dates: Lei 662/1949 with
// the changes of Leis 6.802/1980 (Nossa Senhora Aparecida) and 14.759/2023
// (Consciência Negra, national since 2024).
var brazilFixed = []struct {
	month time.Month
	day   int
	name  string
	since int
}{
	{time.January, 1, "Confraternização Universal", 0},
	{time.April, 21, "Tiradentes", 0},
	{time.May, 1, "Dia do Trabalho", 0},
	{time.September, 7, "Independência do Brasil", 0},
	{time.October, 12, "Nossa Senhora Aparecida", 1980},
	{time.November, 2, "Finados", 0},
	{time.November, 15, "Proclamação da República", 0},
	{time.November, 20, "Dia Nacional de Zumbi e da Consciência Negra", 2024},
	{time.December, 25, "Natal", 0},
}

// brazilMovable are the days counted from Easter Sunday. Carnaval and
// Corpus Christi are officially "pontos facultativos" for the federal
// service, but commerce and people keep them as holidays: a marketing
// message on Carnaval Tuesday is as unwelcome as on Christmas.
var brazilMovable = []struct {
	offset int
	name   string
}{
	{-48, "Carnaval (segunda-feira)"},
	{-47, "Carnaval (terça-feira)"},
	{-2, "Sexta-feira Santa"},
	{60, "Corpus Christi"},
}

// Brazil returns Brazil's national holidays of a year, in date order.
func Brazil(year int) []Holiday {
	var out []Holiday
	for _, f := range brazilFixed {
		if year >= f.since {
			out = append(out, Holiday{time.Date(year, f.month, f.day, 0, 0, 0, 0, time.UTC), f.name})
		}
	}
	easter := Easter(year)
	for _, m := range brazilMovable {
		out = append(out, Holiday{easter.AddDate(0, 0, m.offset), m.name})
	}
	slices.SortStableFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// brazilZones are the IANA zones of Brazil (zone.tab, with the old
// Brazil/* aliases): a recipient whose local time is one of them lives
// under Brazil's national holidays.
var brazilZones = map[string]bool{
	"America/Noronha": true, "America/Belem": true, "America/Fortaleza": true, "America/Recife": true,
	"America/Araguaina": true, "America/Maceio": true, "America/Bahia": true, "America/Sao_Paulo": true,
	"America/Campo_Grande": true, "America/Cuiaba": true, "America/Santarem": true, "America/Porto_Velho": true,
	"America/Boa_Vista": true, "America/Manaus": true, "America/Eirunepe": true, "America/Rio_Branco": true,
	"Brazil/East": true, "Brazil/West": true, "Brazil/Acre": true, "Brazil/DeNoronha": true,
}

// InBrazil reports whether an IANA zone name is one of Brazil's.
func InBrazil(zone string) bool { return brazilZones[zone] }

// Calendar is a tenant's holidays: Brazil's national ones (for recipients
// in a Brazilian zone) unless turned off, plus its own dates. The zero
// value knows no holiday. It is read-only once built and safe for
// concurrent use.
type Calendar struct {
	brazil bool
	yearly map[monthDay]string // "MM-DD": every year
	dated  map[date]string     // "YYYY-MM-DD": that date only
}

type monthDay struct {
	m time.Month
	d int
}

type date struct {
	y int
	m time.Month
	d int
}

// NewCalendar builds a calendar. brazil adds Brazil's national holidays;
// extra are the tenant's own dates, "YYYY-MM-DD" for one date or "MM-DD"
// for the same date every year (a city's anniversary).
func NewCalendar(brazil bool, extra []string) (*Calendar, error) {
	c := &Calendar{brazil: brazil, yearly: map[monthDay]string{}, dated: map[date]string{}}
	for _, s := range extra {
		if err := c.add(s); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ParseDate checks an extra date as NewCalendar reads it.
func ParseDate(s string) error {
	_, err := NewCalendar(false, []string{s})
	return err
}

func (c *Calendar) add(s string) error {
	switch len(s) {
	case len("2006-01-02"):
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return fmt.Errorf("holiday: %q is not a date YYYY-MM-DD", s)
		}
		c.dated[date{t.Year(), t.Month(), t.Day()}] = "extra"
	case len("01-02"):
		// A leap year, so that 02-29 is a valid yearly date.
		t, err := time.Parse("2006-01-02", "2024-"+s)
		if err != nil {
			return fmt.Errorf("holiday: %q is not a date MM-DD", s)
		}
		c.yearly[monthDay{t.Month(), t.Day()}] = "extra"
	default:
		return fmt.Errorf("holiday: %q is not a date YYYY-MM-DD or MM-DD", s)
	}
	return nil
}

// On reports whether local's date, in local's own zone, is a holiday for a
// recipient there, and which. Brazil's national holidays count only when
// the zone is Brazilian; the tenant's own dates count everywhere.
func (c *Calendar) On(local time.Time) (string, bool) {
	if c == nil {
		return "", false
	}
	y, m, d := local.Date()
	if n, ok := c.dated[date{y, m, d}]; ok {
		return n, true
	}
	if n, ok := c.yearly[monthDay{m, d}]; ok {
		return n, true
	}
	if c.brazil && InBrazil(local.Location().String()) {
		return brazilOn(y, m, d)
	}
	return "", false
}

// brazilOn finds a national holiday on a date without building the year's
// list: it runs for every marketing message checked.
func brazilOn(y int, m time.Month, d int) (string, bool) {
	for _, f := range brazilFixed {
		if f.month == m && f.day == d && y >= f.since {
			return f.name, true
		}
	}
	days := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(Easter(y)).Hours() / 24)
	for _, mv := range brazilMovable {
		if mv.offset == days {
			return mv.name, true
		}
	}
	return "", false
}
