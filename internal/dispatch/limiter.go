package dispatch

import (
	"math"
	"sync"
	"time"
)

// Recovery after a throttle: after quietPeriod without another 130429 the
// rate grows by a tenth of the target, so a halved sender is back to full
// speed after ten quiet periods (additive increase, multiplicative decrease).
const (
	quietPeriod = 5 * time.Second
	// slowDebounce keeps one burst of 429s (many in-flight sends answered
	// together) from halving the rate once per message.
	slowDebounce = time.Second
	// headroom keeps the paced rate a little under the limit so that
	// network jitter (sends bunching up on the way) cannot push Meta's
	// count over it.
	headroom = 0.98
	// minSlack is the fewest sends per second left unused (but never more
	// than maxSlackShare of the rate): at 40/s three percent is barely one
	// send, less than the bunching of a few tens of milliseconds that a
	// loaded host or a replica takeover adds on the way to Meta.
	minSlack      = 2.0
	maxSlackShare = 0.05
)

// limiter is a token bucket sized so that no half-open 1-second window ever
// holds more than the target number of sends: with burst B and rate r the
// worst window holds B + r - 1 sends, so r = (target - B + 1) * headroom.
// It uses reservations (tokens may go negative), so the caller takes a token
// and sleeps for the returned wait. Safe for concurrent use; the lock is
// held only for arithmetic.
type limiter struct {
	mu       sync.Mutex
	target   float64 // the sender's throughput, mps
	burst    float64
	rate     float64 // current refill rate, tokens/s
	full     float64 // refill rate at the target
	tokens   float64
	last     time.Time
	lastSlow time.Time
	lastStep time.Time
	// pausedUntil holds every send until then (131057: the number is in
	// maintenance during a throughput upgrade).
	pausedUntil time.Time
}

func newLimiter(mps int, now time.Time) *limiter {
	l := &limiter{last: now, lastStep: now}
	l.setTarget(mps)
	// Start with one token, not a full bucket: a freshly (re)started
	// loop may follow a previous owner that just used the current second.
	l.tokens = 1
	return l
}

// burstFor is a small burst: 0.5 % of the rate, at least one. Every token of
// burst is a send per second the paced rate must leave unused, so a large
// burst costs throughput at 1,000 mps (a burst of 20 would cost 2 %).
func burstFor(mps int) float64 { return math.Max(1, math.Floor(float64(mps)/200)) }

// setTarget changes the sender's throughput (an operator update). A
// throttled rate stays throttled, scaled to the new target.
func (l *limiter) setTarget(mps int) {
	if mps <= 0 {
		mps = 1
	}
	t := float64(mps)
	if l.target == t {
		return
	}
	oldFull := l.full
	l.target = t
	l.burst = burstFor(mps)
	paced := t - l.burst + 1
	slack := math.Max(paced*(1-headroom), math.Min(minSlack, paced*maxSlackShare))
	l.full = math.Max(1, paced-slack)
	if oldFull == 0 || l.rate >= oldFull {
		l.rate = l.full
	} else {
		l.rate = math.Max(1, l.rate*l.full/oldFull)
	}
	if l.tokens > l.burst {
		l.tokens = l.burst
	}
}

func (l *limiter) SetTarget(mps int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setTarget(mps)
}

// advance refills tokens up to now and applies additive recovery.
func (l *limiter) advance(now time.Time) {
	if now.After(l.last) {
		l.tokens = math.Min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
		l.last = now
	}
	if l.rate < l.full && now.Sub(l.lastSlow) >= quietPeriod && now.Sub(l.lastStep) >= quietPeriod {
		l.rate = math.Min(l.full, l.rate+math.Max(1, l.full/10))
		l.lastStep = now
	}
}

// Reserve takes one token and returns how long to wait before using it.
func (l *limiter) Reserve(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.advance(now)
	l.tokens--
	var d time.Duration
	if l.tokens < 0 {
		d = time.Duration(math.Ceil(-l.tokens / l.rate * float64(time.Second)))
	}
	return max(d, l.pausedUntil.Sub(now))
}

// Take uses n tokens without waiting for them: traffic Meta counts against
// the number's throughput that did not go through this bucket (inbound
// messages). The sends after it wait the longer.
func (l *limiter) Take(now time.Time, n int) {
	if n <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.advance(now)
	// Bounded debt: a flood of inbound messages delays sends by at most
	// a second's worth of the current rate, so a spike cannot stall the
	// number for minutes; anything beyond Meta answers with 130429 and
	// SlowDown takes over.
	l.tokens = math.Max(l.tokens-float64(n), -l.rate)
}

// Pause holds every send until until (131057). Tokens do not build up
// meanwhile beyond the usual burst.
func (l *limiter) Pause(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
}

// PausedUntil is the end of the current pause (zero or past: none).
func (l *limiter) PausedUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pausedUntil
}

// Available is how many tokens will be available within horizon: what a
// claim should ask for so claimed messages do not sit in flight waiting.
func (l *limiter) Available(now time.Time, horizon time.Duration) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.advance(now)
	if now.Before(l.pausedUntil) {
		return 1
	}
	n := l.tokens + horizon.Seconds()*l.rate
	return max(1, int(n))
}

// SlowDown halves the rate after a throttling answer.
func (l *limiter) SlowDown(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.advance(now)
	if !l.lastSlow.IsZero() && now.Sub(l.lastSlow) < slowDebounce {
		return false
	}
	l.lastSlow = now
	l.lastStep = now
	l.rate = math.Max(1, l.rate/2)
	// Drop saved-up tokens too: Meta has just said "not now".
	l.tokens = math.Min(l.tokens, 0)
	return true
}

// Rate is the current refill rate.
func (l *limiter) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}
