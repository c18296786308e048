package loadtest

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// DefaultProgressEvery is how often the CLI prints a progress line.
const DefaultProgressEvery = time.Second

// Progress makes a run print one line every Every to W while it runs:
// elapsed time, requests done out of n, successes, errors and the rate of
// the last interval. A zero Progress (nil W or Every <= 0) prints nothing.
type Progress struct {
	W     io.Writer
	Every time.Duration
}

func (p Progress) on() bool { return p.W != nil && p.Every > 0 }

// counters are the live totals a progress line reads; workers add to them
// once per request.
type counters struct {
	done, ok atomic.Int64
}

// report prints progress lines until ctx ends. It returns when ctx is done;
// the caller waits for it so no line is written after run returns.
func (p Progress) report(ctx context.Context, kind string, n int, start time.Time, c *counters) {
	t := time.NewTicker(p.Every)
	defer t.Stop()
	var lastDone int64
	last := start
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			done, ok := c.done.Load(), c.ok.Load()
			rate := 0.0
			if d := now.Sub(last).Seconds(); d > 0 {
				rate = float64(done-lastDone) / d
			}
			lastDone, last = done, now
			fmt.Fprintf(p.W, "bench %s: %5.1fs  %d/%d done  %d ok  %d errors  %.0f/s\n",
				kind, now.Sub(start).Seconds(), done, n, ok, done-ok, rate)
		}
	}
}
