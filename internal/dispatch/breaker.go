package dispatch

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Breaker defaults: after breakerThreshold consecutive outage-class
// failures (5xx, network errors, timeouts, Graph's "temporary" codes) the
// upstream is considered down. Every sender then stops sending; one probe
// at a time — a real queued message, the oldest of the sender that gets the
// turn — goes out every probe interval, which starts at a second and
// doubles up to BreakerProbeMax. The first success closes the breaker and
// the backlog drains at each sender's own pace.
const (
	defaultBreakerThreshold = 5
	defaultBreakerProbeMax  = 30 * time.Second
	breakerProbeMin         = time.Second
)

// UpstreamHealth is what the breaker knows about the upstream.
type UpstreamHealth struct {
	Up       bool      `json:"up"`
	Since    time.Time `json:"since,omitzero"` // when it went down, if down
	Failures int       `json:"consecutive_failures"`
	Probes   int       `json:"probes"` // probes sent during the current outage
}

// breaker is the per-upstream circuit breaker shared by every sender loop of
// a Manager. Safe for concurrent use.
type breaker struct {
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	log       *slog.Logger
	threshold int
	probeMax  time.Duration
	backlog   func(ctx context.Context) (int, error)
	onChange  func(up bool)

	mu        sync.Mutex
	open      bool
	failures  int
	openedAt  time.Time
	probing   bool
	nextProbe time.Time
	interval  time.Duration
	probes    int
	changed   chan struct{} // closed and replaced whenever a waiter may proceed
}

func newBreaker(cfg *Config, log *slog.Logger) *breaker {
	return &breaker{
		now: cfg.Now, sleep: cfg.Sleep, log: log,
		threshold: cfg.BreakerThreshold, probeMax: cfg.BreakerProbeMax,
		backlog: cfg.Backlog, onChange: cfg.OnUpstreamChange,
		changed: make(chan struct{}),
	}
}

func (b *breaker) signal() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// Health reports the upstream's state.
func (b *breaker) Health() UpstreamHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := UpstreamHealth{Up: !b.open, Failures: b.failures, Probes: b.probes}
	if b.open {
		h.Since = b.openedAt
	}
	return h
}

// isOpen reports whether sends other than a probe must wait.
func (b *breaker) isOpen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open
}

// acquire returns at once while the breaker is closed (probe false). While
// it is open it waits for the breaker to close, or for this caller's turn
// to probe (probe true); the caller must then end the probe with report,
// or with release when it had nothing to send. It returns an error only
// when ctx ends.
func (b *breaker) acquire(ctx context.Context) (probe bool, err error) {
	for {
		b.mu.Lock()
		if !b.open {
			b.mu.Unlock()
			return false, nil
		}
		now := b.now()
		if !b.probing && !now.Before(b.nextProbe) {
			b.probing = true
			b.probes++
			b.mu.Unlock()
			return true, nil
		}
		ch := b.changed
		var wait time.Duration
		if !b.probing {
			wait = b.nextProbe.Sub(now)
		}
		b.mu.Unlock()
		wctx, cancel := context.WithCancel(ctx)
		if wait > 0 {
			go func() {
				_ = b.sleep(wctx, wait)
				cancel()
			}()
		}
		select {
		case <-ch:
		case <-wctx.Done():
		}
		cancel()
		if err := ctx.Err(); err != nil {
			return false, err
		}
	}
}

// release gives up a probe turn without a send.
func (b *breaker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.probing {
		b.probing = false
		b.signal()
	}
}

// report records the outcome of one send: failed is true for an
// outage-class failure, false for any answer that shows the upstream
// working (a success, a validation error, a throttle). probe says whether
// the send was the probe. It reports whether the breaker is open after it.
func (b *breaker) report(failed, probe bool) bool {
	b.mu.Lock()
	if probe {
		b.probing = false
	}
	if !failed {
		wasOpen := b.open
		since, probes := b.openedAt, b.probes
		b.open, b.failures, b.probes = false, 0, 0
		if wasOpen {
			b.signal()
		}
		b.mu.Unlock()
		if wasOpen {
			b.recovered(since, probes)
		}
		return false
	}
	b.failures++
	now := b.now()
	if !b.open {
		if b.failures < b.threshold {
			b.mu.Unlock()
			return false
		}
		b.open, b.openedAt, b.interval, b.probes = true, now, breakerProbeMin, 0
		b.nextProbe = now.Add(b.interval)
		failures := b.failures
		b.signal()
		b.mu.Unlock()
		b.log.Warn("upstream failing: dispatch paused, probing with one message at a time",
			"consecutive_failures", failures, "probe_every_max", b.probeMax)
		if b.onChange != nil {
			b.onChange(false)
		}
		return true
	}
	if probe {
		b.interval = min(2*b.interval, b.probeMax)
		b.nextProbe = now.Add(b.interval)
		b.signal()
	}
	b.mu.Unlock()
	return true
}

func (b *breaker) recovered(since time.Time, probes int) {
	attrs := []any{"outage", b.now().Sub(since).Round(time.Millisecond), "probes", probes}
	if b.backlog != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err := b.backlog(ctx)
		cancel()
		if err == nil {
			attrs = append(attrs, "backlog", n)
		}
	}
	b.log.Warn("upstream recovered: dispatch resumed", attrs...)
	if b.onChange != nil {
		b.onChange(true)
	}
}
