package limits

import (
	"sort"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// ReachWindow is the moving period of the messaging limit.
const ReachWindow = store.ReachWindow

// QuietHours tells when sending is allowed. Period returns the sending
// period in force at t or the next one after it: [start, end) with start
// ≥ t when t itself is quiet. A zero end means no end.
type QuietHours interface {
	Period(t time.Time) (start, end time.Time)
}

// Release is a number of slots of a portfolio's limit that free at a time.
type Release struct {
	At    time.Time
	Slots int
}

// ForecastInput is what a forecast starts from.
type ForecastInput struct {
	// Recipients is the size of the send; each is taken as new to the
	// portfolio (none already counted), the slow side.
	Recipients int
	Now        time.Time
	// Limit and Used are the portfolio's limit (negative: unlimited) and
	// its use at Now.
	Limit, Used int
	// Releases are when used slots free. Slots used that no release
	// accounts for free at Now+24h, the latest they can.
	Releases []Release
	// MPS is the sender's throughput (80, Meta's default, when ≤ 0).
	MPS int
	// Quiet is optional (nil: no quiet hours).
	Quiet QuietHours
	// DayEnd is when "today" ends for the Today count (Now + 24h when zero).
	DayEnd time.Time
	// Warmup, when set, is the sender's own warm-up allowance, which
	// holds alongside the portfolio's limit.
	Warmup *ForecastWarmup
}

// ForecastWarmup is a warming sender's allowance as a forecast sees it.
type ForecastWarmup struct {
	// Allowance is the cap in force at Now; Used how much of it the
	// sender used in the moving 24 hours.
	Allowance, Used int
	// Releases are when used places free (the rest free at Now+24h);
	// Steps are when the curve's next days add places.
	Releases, Steps []Release
	// Ends is when the warm-up is over and only the portfolio's limit
	// holds.
	Ends time.Time
}

// Forecast is when a send finishes and how much of it goes out today.
type Forecast struct {
	// Finish is when the last message goes out; zero when it never does
	// within the horizon (a limit of zero, or no sending period).
	Finish time.Time `json:"finish,omitzero"`
	// Today is how many messages go out before DayEnd.
	Today int `json:"today"`
}

// ForecastHorizon bounds how far a forecast looks ahead.
const ForecastHorizon = 366 * 24 * time.Hour

// Plan forecasts a send: messages go out at MPS while the portfolio has
// free slots and sending is allowed; each message sent takes a slot that
// frees 24 hours later.
func Plan(in ForecastInput) Forecast {
	if in.Recipients <= 0 {
		return Forecast{Finish: in.Now}
	}
	mps := in.MPS
	if mps <= 0 {
		mps = 80
	}
	per := time.Second / time.Duration(mps)
	if per <= 0 {
		per = time.Nanosecond
	}
	dayEnd := in.DayEnd
	if dayEnd.IsZero() {
		dayEnd = in.Now.Add(24 * time.Hour)
	}
	unlimited := in.Limit < 0
	free := 0
	rel := append([]Release(nil), in.Releases...)
	if !unlimited {
		free = max(in.Limit-in.Used, 0)
		accounted := 0
		for _, r := range rel {
			accounted += r.Slots
		}
		if rest := in.Used - accounted; rest > 0 {
			rel = append(rel, Release{At: in.Now.Add(ReachWindow), Slots: rest})
		}
	}
	sort.Slice(rel, func(i, j int) bool { return rel[i].At.Before(rel[j].At) })
	// The warm-up's places, when the sender is warming up.
	warm := in.Warmup != nil && in.Warmup.Ends.After(in.Now)
	var wFree int
	var wRel []Release
	if warm {
		w := in.Warmup
		wFree = max(w.Allowance-w.Used, 0)
		wRel = append(append(wRel, w.Releases...), w.Steps...)
		accounted := 0
		for _, r := range w.Releases {
			accounted += r.Slots
		}
		if rest := w.Used - accounted; rest > 0 {
			wRel = append(wRel, Release{At: in.Now.Add(ReachWindow), Slots: rest})
		}
		sort.Slice(wRel, func(i, j int) bool { return wRel[i].At.Before(wRel[j].At) })
	}

	var out Forecast
	t, left := in.Now, in.Recipients
	horizon := in.Now.Add(ForecastHorizon)
	for left > 0 && t.Before(horizon) {
		// Slots that freed by t.
		for len(rel) > 0 && !rel[0].At.After(t) {
			free += rel[0].Slots
			rel = rel[1:]
		}
		if warm && !in.Warmup.Ends.After(t) {
			warm = false
		}
		for warm && len(wRel) > 0 && !wRel[0].At.After(t) {
			wFree += wRel[0].Slots
			wRel = wRel[1:]
		}
		if warm && wFree == 0 {
			next := in.Warmup.Ends
			if len(wRel) > 0 && wRel[0].At.Before(next) {
				next = wRel[0].At
			}
			t = next
			continue
		}
		start, end := t, time.Time{}
		if in.Quiet != nil {
			start, end = in.Quiet.Period(t)
			if start.Before(t) {
				start = t
			}
			if start.After(t) {
				t = start
				continue
			}
		}
		if !unlimited && free == 0 {
			if len(rel) == 0 {
				return out // nothing will ever free
			}
			t = rel[0].At
			continue
		}
		n := left
		if !unlimited {
			n = min(n, free)
		}
		if warm {
			n = min(n, wFree)
		}
		// Stop at the end of the sending period and at the next release,
		// so both are seen.
		stop := time.Time{}
		if !end.IsZero() {
			stop = end
		}
		if !stop.IsZero() {
			fit := int(stop.Sub(t) / per)
			if fit <= 0 {
				t = stop
				continue
			}
			n = min(n, fit)
		}
		sentEnd := t.Add(time.Duration(n) * per)
		// What goes out before the day ends.
		if t.Before(dayEnd) {
			if !sentEnd.After(dayEnd) {
				out.Today += n
			} else {
				out.Today += int(dayEnd.Sub(t) / per)
			}
		}
		left -= n
		if warm {
			wFree -= n
			wRel = append(wRel, Release{At: sentEnd.Add(ReachWindow), Slots: n})
			sort.Slice(wRel, func(i, j int) bool { return wRel[i].At.Before(wRel[j].At) })
		}
		if !unlimited {
			free -= n
			// The slots just taken free 24 hours after the batch ends (the
			// late side of their sends).
			rel = append(rel, Release{At: sentEnd.Add(ReachWindow), Slots: n})
			sort.Slice(rel, func(i, j int) bool { return rel[i].At.Before(rel[j].At) })
		}
		t = sentEnd
	}
	if left > 0 {
		return out
	}
	out.Finish = t
	return out
}
