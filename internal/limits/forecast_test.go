package limits

import (
	"testing"
	"time"
)

// daytime allows sending from `from` to `to` o'clock each day.
type daytime struct{ from, to int }

func (d daytime) Period(t time.Time) (time.Time, time.Time) {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	start, end := day.Add(time.Duration(d.from)*time.Hour), day.Add(time.Duration(d.to)*time.Hour)
	switch {
	case t.Before(start):
		return start, end
	case t.Before(end):
		return t, end
	}
	return start.AddDate(0, 0, 1), end.AddDate(0, 0, 1)
}

func TestPlan(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name   string
		in     ForecastInput
		finish time.Time
		today  int
	}{
		{"TIER_2K, 5,000 recipients: 2,000 a window",
			ForecastInput{Recipients: 5000, Now: now, Limit: 2000, MPS: 80},
			// 2,000 in 25 s, their slots free 24 h after; twice, then 1,000 in 12.5 s.
			now.Add(2*(day+25*time.Second) + 12500*time.Millisecond), 2000},
		{"unlimited, 800 at 80 mps", ForecastInput{Recipients: 800, Now: now, Limit: Unlimited, MPS: 80}, now.Add(10 * time.Second), 800},
		{"a zero limit never finishes", ForecastInput{Recipients: 10, Now: now, Limit: 0, MPS: 80}, time.Time{}, 0},
		{"nothing to send", ForecastInput{Recipients: 0, Now: now, Limit: 250}, now, 0},
		{"bad throughput is Meta's default 80", ForecastInput{Recipients: 160, Now: now, Limit: Unlimited, MPS: -5}, now.Add(2 * time.Second), 160},
		{"one slot left; the rest free at the latest a day on",
			ForecastInput{Recipients: 3, Now: now, Limit: 2000, Used: 1999, MPS: 80},
			now.Add(day + 25*time.Millisecond), 1},
		{"a known release comes sooner",
			ForecastInput{Recipients: 3, Now: now, Limit: 2000, Used: 2000, MPS: 80,
				Releases: []Release{{At: now.Add(time.Hour), Slots: 2}, {At: now.Add(2 * time.Hour), Slots: 1998}}},
			now.Add(2*time.Hour + 12500*time.Microsecond), 3},
		{"quiet hours: 10 s of the evening, the rest the next morning",
			ForecastInput{Recipients: 1600, Now: time.Date(2026, 12, 3, 19, 59, 50, 0, time.UTC), Limit: Unlimited, MPS: 80,
				Quiet: daytime{8, 20}, DayEnd: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)},
			time.Date(2026, 12, 4, 8, 0, 10, 0, time.UTC), 800},
		{"warming up 20, 40, 80 a day: the curve, not the unlimited portfolio, paces it",
			ForecastInput{Recipients: 100, Now: now, Limit: Unlimited, MPS: 80, Warmup: &ForecastWarmup{Allowance: 20,
				Steps: []Release{{At: now.Add(day), Slots: 20}, {At: now.Add(2 * day), Slots: 40}}, Ends: now.Add(3 * day)}},
			// 20 today; tomorrow 20 more, and 20 as today's leave the
			// window; the last 40 on the third day.
			now.Add(2*day + 500*time.Millisecond), 20},
		{"warming up, allowance used: nothing today, all once the warm-up ends",
			ForecastInput{Recipients: 10, Now: now, Limit: 2000, MPS: 80, Warmup: &ForecastWarmup{Allowance: 5, Used: 5, Ends: now.Add(time.Hour)}},
			now.Add(time.Hour + 125*time.Millisecond), 10},
		{"quiet now: starts in the morning",
			ForecastInput{Recipients: 80, Now: time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC), Limit: 250, MPS: 80, Quiet: daytime{8, 20}},
			time.Date(2026, 12, 3, 8, 0, 1, 0, time.UTC), 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Plan(tc.in)
			if !got.Finish.Equal(tc.finish) || got.Today != tc.today {
				t.Errorf("Plan = finish %v, today %d; want %v, %d", got.Finish, got.Today, tc.finish, tc.today)
			}
		})
	}
}

func BenchmarkPlanTier2K(b *testing.B) {
	in := ForecastInput{Recipients: 5000, Now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), Limit: 2000, MPS: 80, Quiet: daytime{8, 20}}
	for b.Loop() {
		_ = Plan(in)
	}
}
