package dispatch

import (
	"context"
	"sync"
	"time"
)

// departureMargin widens the guarded window beyond Meta's one second, so
// that sends which leave on time but travel at different speeds still cannot
// land more than the target within any second at Meta.
const departureMargin = 20 * time.Millisecond

// departures is the last line of pacing: it holds each send at the moment it
// actually leaves until fewer than target sends left in the last
// second+margin. The token bucket schedules sends, but a goroutine can start
// late; two late-then-on-time sends would otherwise bunch inside one second.
type departures struct {
	mu    sync.Mutex
	times []time.Time // ring of the last len(times) departures
	next  int
	span  time.Duration
}

func newDepartures(target int) *departures {
	d := &departures{span: time.Second + departureMargin}
	d.resize(target)
	return d
}

func (d *departures) resize(target int) {
	target = max(1, target)
	if len(d.times) == target {
		return
	}
	// Keep the newest departures, so a change never opens a burst.
	old := make([]time.Time, 0, len(d.times))
	for i := range d.times {
		if t := d.times[(d.next+i)%len(d.times)]; !t.IsZero() {
			old = append(old, t)
		}
	}
	if len(old) > target {
		old = old[len(old)-target:]
	}
	d.times = make([]time.Time, target)
	copy(d.times, old)
	d.next = len(old) % target
}

// SetTarget changes the number of sends allowed per window.
func (d *departures) SetTarget(target int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.resize(target)
}

// Leave waits until a send may leave and records its departure. It returns
// ctx's error if ctx ends first.
func (d *departures) Leave(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) error {
	for {
		d.mu.Lock()
		t := now()
		oldest := d.times[d.next]
		if oldest.IsZero() || t.Sub(oldest) >= d.span {
			d.times[d.next] = t
			d.next = (d.next + 1) % len(d.times)
			d.mu.Unlock()
			return nil
		}
		wait := d.span - t.Sub(oldest)
		d.mu.Unlock()
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}
