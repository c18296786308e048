package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Why a run ended.
const (
	StopCount       = "count"       // all -n requests were made
	StopDuration    = "duration"    // the duration cap expired first
	StopCanceled    = "canceled"    // the caller's context was canceled
	StopUnreachable = "unreachable" // the target never answered; the run gave up early
)

// unreachableAfter is how many transport failures, with not a single HTTP
// response in between, make a run give up instead of burning through -n.
const unreachableAfter = 10

// ErrUnreachable is returned (wrapped) when no request got an HTTP response.
var ErrUnreachable = errors.New("target unreachable")

// outcome is what one request produced.
type outcome struct {
	responded bool  // an HTTP response arrived (any status)
	ok        bool  // it counts as a success
	status    int   // HTTP status, when responded
	code      int   // Graph error code, when the body carried one
	events    int   // units carried by a successful request
	badBody   bool  // a 2xx whose body was not the expected answer
	err       error // transport error or reason for failure
}

// doFunc performs request i. It must honour ctx.
type doFunc func(ctx context.Context, i int) outcome

// plan is the shape of a run, shared by send and webhooks.
type plan struct {
	kind     string
	target   string
	n        int
	c        int
	rate     float64
	duration time.Duration
	do       doFunc
	progress Progress
}

// workerStats is what one worker saw; merged once all have stopped, so the
// hot path takes no locks.
type workerStats struct {
	requests, successes, events int
	byStatus                    map[string]int
	byCode                      map[int]int
	sample                      string
}

// run executes p with c workers. Closed loop (rate 0): each worker sends its
// next request as soon as the previous one finished. Open loop (rate > 0):
// request i is scheduled at start + i/rate and its latency is measured from
// that scheduled instant, so when every worker is busy the wait is charged
// to latency instead of silently lowering the offered load.
//
// New requests stop at n, at the duration cap or when ctx ends; requests in
// flight at the cap finish (bounded by the client's timeout).
func run(ctx context.Context, p plan) (*Report, error) {
	latencies := make([]time.Duration, p.n)
	for i := range latencies {
		latencies[i] = -1
	}
	stats := make([]workerStats, p.c)

	startCtx, cancelStart := context.WithCancelCause(ctx)
	defer cancelStart(nil)
	startCtx, cancelCap := context.WithTimeout(startCtx, p.duration)
	defer cancelCap()

	var (
		next, started    atomic.Int64
		responded        atomic.Int64
		transportFailure atomic.Int64
		firstErr         atomic.Value
		wg               sync.WaitGroup
	)
	start := time.Now()
	var live counters
	progressDone := make(chan struct{})
	progressCtx, stopProgress := context.WithCancel(ctx)
	if p.progress.on() {
		go func() {
			defer close(progressDone)
			p.progress.report(progressCtx, p.kind, p.n, start, &live)
		}()
	} else {
		close(progressDone)
	}
	for w := range p.c {
		wg.Add(1)
		go func(st *workerStats) {
			defer wg.Done()
			st.byStatus = map[string]int{}
			st.byCode = map[int]int{}
			for startCtx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(p.n) {
					return
				}
				scheduled := time.Now()
				if p.rate > 0 {
					scheduled = start.Add(time.Duration(float64(i) * float64(time.Second) / p.rate))
					if !sleepUntil(startCtx, scheduled) {
						return
					}
				}
				started.Add(1)
				o := p.do(ctx, int(i))
				if !o.responded && ctx.Err() != nil {
					return // the caller gave up; this is not the target's fault
				}
				st.requests++
				live.done.Add(1)
				if o.ok {
					live.ok.Add(1)
				}
				if o.responded {
					responded.Add(1)
					latencies[i] = time.Since(scheduled)
				}
				if o.ok {
					st.successes++
					st.events += o.events
					continue
				}
				if o.responded {
					key := strconv.Itoa(o.status)
					if o.badBody {
						key = StatusBadBody
					}
					st.byStatus[key]++
					if o.code != 0 {
						st.byCode[o.code]++
					}
				} else {
					st.byStatus[StatusTransport]++
					firstErr.CompareAndSwap(nil, o.err)
					if transportFailure.Add(1) >= unreachableAfter && responded.Load() == 0 {
						cancelStart(ErrUnreachable)
					}
				}
				if st.sample == "" && o.err != nil {
					st.sample = o.err.Error()
				}
			}
		}(&stats[w])
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	<-progressDone

	r := &Report{
		Kind:           p.kind,
		Target:         p.target,
		Elapsed:        elapsed,
		ErrorsByStatus: map[string]int{},
		ErrorsByCode:   map[int]int{},
	}
	for _, st := range stats {
		r.Requests += st.requests
		r.Successes += st.successes
		r.Events += st.events
		for k, v := range st.byStatus {
			r.ErrorsByStatus[k] += v
		}
		for k, v := range st.byCode {
			r.ErrorsByCode[k] += v
		}
		if r.ErrorSample == "" {
			r.ErrorSample = st.sample
		}
	}
	r.Errors = r.Requests - r.Successes
	r.Latency = summarize(latencies)

	switch {
	case ctx.Err() != nil:
		r.Stopped = StopCanceled
	case errors.Is(context.Cause(startCtx), ErrUnreachable):
		r.Stopped = StopUnreachable
	case started.Load() >= int64(p.n):
		r.Stopped = StopCount
	default:
		r.Stopped = StopDuration
	}

	if ctx.Err() != nil {
		return r, fmt.Errorf("loadtest: %s run against %s: %w", p.kind, p.target, ctx.Err())
	}
	if responded.Load() == 0 && transportFailure.Load() > 0 {
		cause, _ := firstErr.Load().(error)
		return r, fmt.Errorf("loadtest: %s: no HTTP response from %s (%w): %w", p.kind, p.target, ErrUnreachable, cause)
	}
	return r, nil
}

// sleepUntil waits for t, reporting false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// newClient returns an HTTP client tuned for c concurrent keep-alive
// connections to one host. Proxies from the environment are ignored: a load
// tool measures the target, not a proxy in between.
func newClient(c int, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: (&net.Dialer{
				Timeout:   5 * time.Second,
				KeepAlive: 30 * time.Second,
			}).DialContext,
			MaxIdleConns:          2 * c,
			MaxIdleConnsPerHost:   c,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: timeout,
			DisableCompression:    true,
		},
	}
}

// closeIdle releases the keep-alive connections of a client this package made.
func closeIdle(c *http.Client) {
	c.CloseIdleConnections()
}
