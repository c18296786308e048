package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

func loadJSON(t *testing.T, file string) (Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(p, env(nil))
}

func TestCadenceConfigRefusesAbsurdValues(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, file, want string }{
		{"negative cap", `{"policy":{"frequency":{"caps":{"marketing":{"max":-1,"per":"168h"}}}}}`, "policy.frequency.caps.marketing.max -1"},
		{"cap without window", `{"policy":{"frequency":{"caps":{"marketing":{"max":2}}}}}`, "policy.frequency.caps.marketing.per"},
		{"window of years", `{"tenants":[{"id":"a","frequency":{"caps":{"utility":{"max":3,"per":"20000h"}}}}]}`, "tenants[0].frequency.caps.utility.per"},
		{"huge cap", `{"policy":{"frequency":{"caps":{"marketing":{"max":100000,"per":"1h"}}}}}`, "outside 0..1000"},
		{"unknown category", `{"policy":{"frequency":{"caps":{"promo":{"max":1,"per":"1h"}}}}}`, `category "promo"`},
		{"negative repeat", `{"policy":{"frequency":{"repeat_within":"-1h"}}}`, "policy.frequency.repeat_within"},
		{"bad mode", `{"tenants":[{"id":"a","quiet_hours":{"mode":"sometimes"}}]}`, `tenants[0].quiet_hours.mode "sometimes"`},
		{"bad start", `{"policy":{"quiet_hours":{"start":"9am"}}}`, "policy.quiet_hours.start"},
		{"hour 25", `{"policy":{"quiet_hours":{"end":"25:00"}}}`, "policy.quiet_hours.end"},
		{"end equal to start", `{"policy":{"quiet_hours":{"start":"20:00","end":"20:00"}}}`, "is the same as start"},
		{"quiet with start", `{"policy":{"quiet_hours":{"quiet":"22:00-08:00","start":"09:00"}}}`, "policy.quiet_hours.quiet: give either"},
		{"bad quiet", `{"policy":{"quiet_hours":{"quiet":"22h-8h"}}}`, "policy.quiet_hours.quiet"},
		{"bad national calendar", `{"policy":{"quiet_hours":{"holidays":{"national":"AR"}}}}`, `policy.quiet_hours.holidays.national "AR"`},
		{"bad holiday hours", `{"tenants":[{"id":"a","quiet_hours":{"holidays":{"hours":"saturday"}}}]}`, `tenants[0].quiet_hours.holidays.hours "saturday"`},
		{"bad holiday date", `{"tenants":[{"id":"a","quiet_hours":{"holidays":{"extra":["2026-12-24","31/12"]}}}]}`, "tenants[0].quiet_hours.holidays.extra[1]"},
		{"no day", `{"policy":{"quiet_hours":{"days":[]}}}`, "policy.quiet_hours.days is empty"},
		{"bad day", `{"policy":{"quiet_hours":{"days":["monday"]}}}`, `"monday" is not one of`},
		{"bad per-day span", `{"policy":{"quiet_hours":{"per_day":{"sat":"16:00-16:00"}}}}`, "policy.quiet_hours.per_day.sat"},
		{"bad zone", `{"tenants":[{"id":"a","quiet_hours":{"zone_override":"Mars/Olympus"}}]}`, "tenants[0].quiet_hours.zone_override"},
		{"spread of a day", `{"policy":{"quiet_hours":{"spread":"24h"}}}`, "policy.quiet_hours.spread"},
		{"tenant policy block", `{"tenants":[{"id":"a","policy":{"frequency":{}}}]}`, "tenants[0].frequency"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadJSON(t, tc.file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestCadenceResolution(t *testing.T) {
	t.Parallel()
	c, err := loadJSON(t, `{
	  "policy": {"frequency": {"caps": {"utility": {"max": 5, "per": "24h"}}}, "quiet_hours": {"spread": "10m"}},
	  "tenants": [
	    {"id": "a"},
	    {"id": "b", "frequency": {"caps": {"marketing": {"max": 1, "per": "72h"}}, "repeat_within": "0s"},
	     "quiet_hours": {"start": "08:00", "end": "18:00", "days": ["mon","tue","wed","thu","fri","sat","sun"],
	                     "per_day": {"sun": "closed"}, "zone_override": "America/Manaus"}},
	    {"id": "c", "frequency": {"mode": "off"}, "quiet_hours": {"mode": "off"}}
	  ]}`)
	if err != nil {
		t.Fatal(err)
	}
	a := c.FrequencyFor("a")
	if !a.Enforced || a.Caps["marketing"] != (CapSettings{2, 7 * 24 * time.Hour}) || a.Caps["utility"] != (CapSettings{5, 24 * time.Hour}) || a.RepeatWithin != 24*time.Hour {
		t.Errorf("tenant a frequency: %+v", a)
	}
	b := c.FrequencyFor("b")
	if b.Caps["marketing"] != (CapSettings{1, 72 * time.Hour}) || b.Caps["utility"].Max != 5 || b.RepeatWithin != 0 {
		t.Errorf("tenant b frequency: %+v", b)
	}
	if c.FrequencyFor("c").Enforced || c.QuietHoursFor("c").Enforced {
		t.Error("tenant c switched its cadence rules off")
	}
	qa := c.QuietHoursFor("a")
	week := DaySpan{9 * time.Hour, 21 * time.Hour}
	want := [7]DaySpan{{}, week, week, week, week, week, {10 * time.Hour, 16 * time.Hour}}
	if !qa.Enforced || qa.Days != want || qa.Spread != 10*time.Minute || qa.ZoneOverride != "" {
		t.Errorf("tenant a quiet hours: %+v", qa)
	}
	qb := c.QuietHoursFor("b")
	day := DaySpan{8 * time.Hour, 18 * time.Hour}
	if qb.Days != [7]DaySpan{{}, day, day, day, day, day, day} || qb.ZoneOverride != "America/Manaus" {
		t.Errorf("tenant b quiet hours: %+v", qb)
	}
	if d := c.QuietHoursFor("unknown"); d.Days != want {
		t.Errorf("an undeclared tenant gets the defaults: %+v", d)
	}
}

func TestQuietHoursAcrossMidnightAndHolidays(t *testing.T) {
	t.Parallel()
	c, err := loadJSON(t, `{
	  "policy": {"quiet_hours": {"holidays": {"extra": ["01-25"]}}},
	  "tenants": [
	    {"id": "bar", "quiet_hours": {"start": "20:00", "end": "02:00", "days": ["thu","fri","sat"],
	                                  "per_day": {"sun": "18:00-23:00"}, "holidays": {"hours": "sunday", "extra": ["2026-12-24"]}}},
	    {"id": "night", "quiet_hours": {"quiet": "22:00-08:00", "days": ["mon","tue","wed","thu","fri","sat","sun"],
	                                    "holidays": {"national": "none"}}},
	    {"id": "late", "quiet_hours": {"quiet": "01:00-06:00"}}
	  ]}`)
	if err != nil {
		t.Fatal(err)
	}
	bar := c.QuietHoursFor("bar")
	night := DaySpan{20 * time.Hour, 2 * time.Hour}
	if bar.Days != [7]DaySpan{{18 * time.Hour, 23 * time.Hour}, {}, {}, {}, night, night, night} {
		t.Errorf("bar days: %+v", bar.Days)
	}
	if !bar.BrazilHolidays || !bar.HolidaySunday || !slices.Equal(bar.ExtraHolidays, []string{"01-25", "2026-12-24"}) {
		t.Errorf("bar holidays: %+v", bar)
	}
	n := c.QuietHoursFor("night")
	day := DaySpan{8 * time.Hour, 22 * time.Hour}
	if n.Days != [7]DaySpan{day, day, day, day, day, day, day} || n.BrazilHolidays || n.HolidaySunday {
		t.Errorf("night: %+v", n)
	}
	late := c.QuietHoursFor("late").Days[time.Monday]
	if late != (DaySpan{6 * time.Hour, 1 * time.Hour}) {
		t.Errorf("a quiet stretch after midnight allows 06:00 to 01:00: %+v", late)
	}
	if d := c.QuietHoursFor("other"); !d.BrazilHolidays || d.HolidaySunday || !slices.Equal(d.ExtraHolidays, []string{"01-25"}) {
		t.Errorf("defaults: Brazil's holidays, closed, plus the global dates: %+v", d)
	}
}
