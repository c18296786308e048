package config

import (
	"os"
	"path/filepath"
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
		{"end before start", `{"policy":{"quiet_hours":{"start":"20:00","end":"08:00"}}}`, "is not after start"},
		{"no day", `{"policy":{"quiet_hours":{"days":[]}}}`, "policy.quiet_hours.days is empty"},
		{"bad day", `{"policy":{"quiet_hours":{"days":["monday"]}}}`, `"monday" is not one of`},
		{"bad per-day span", `{"policy":{"quiet_hours":{"per_day":{"sat":"16:00-10:00"}}}}`, "policy.quiet_hours.per_day.sat"},
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
