package gateway

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Defaults of AuthLimit.
const (
	DefaultAuthFailureBurst     = 20
	DefaultAuthFailuresPerMin   = 10
	DefaultAuthLimitMaxTracked  = 10000
	authLimitSweepMinimumPeriod = time.Second
)

// AuthLimit bounds failed authentications, so a key cannot be guessed by
// brute force and a flood of wrong keys cannot cost a store lookup each.
// Failures are counted per client address (RemoteAddr; IPv6 by /64, since
// one host owns a whole /64) and per key prefix (the public id of a
// wg_<id>_<secret> key, to stop guessing spread over many addresses). Each
// is a token bucket: Burst failures at once, refilled at PerMinute. Once a
// bucket is empty the caller gets Graph's rate-limit error without the key
// being checked. Successful authentications cost nothing.
//
// X-Forwarded-For is not trusted: behind a reverse proxy every client shares
// the proxy's address, so size Burst for that or limit at the proxy.
type AuthLimit struct {
	// Burst is how many failures an address or prefix may make before it
	// is limited. Default 20; negative turns the limit off.
	Burst int
	// PerMinute is how many failures a minute are forgiven. Default 10.
	PerMinute int
	// MaxTracked bounds the addresses and the prefixes remembered (each).
	// Default 10,000.
	MaxTracked int
}

func (c AuthLimit) withDefaults() AuthLimit {
	if c.Burst == 0 {
		c.Burst = DefaultAuthFailureBurst
	}
	if c.PerMinute <= 0 {
		c.PerMinute = DefaultAuthFailuresPerMin
	}
	if c.MaxTracked <= 0 {
		c.MaxTracked = DefaultAuthLimitMaxTracked
	}
	return c
}

// authLimiter is the two failure budgets of AuthLimit.
type authLimiter struct {
	off              bool
	byAddr, byPrefix *failBudget
}

func newAuthLimiter(c AuthLimit) *authLimiter {
	c = c.withDefaults()
	if c.Burst < 0 {
		return &authLimiter{off: true}
	}
	return &authLimiter{
		byAddr:   newFailBudget(c),
		byPrefix: newFailBudget(c),
	}
}

// wait returns how long the caller must wait before trying again, or 0
// when it may try now.
func (l *authLimiter) wait(addr, prefix string, now time.Time) time.Duration {
	if l.off {
		return 0
	}
	w := l.byAddr.wait(addr, now)
	if prefix != "" {
		w = max(w, l.byPrefix.wait(prefix, now))
	}
	return w
}

// fail spends one failure of the address and of the prefix.
func (l *authLimiter) fail(addr, prefix string, now time.Time) {
	if l.off {
		return
	}
	l.byAddr.fail(addr, now)
	if prefix != "" {
		l.byPrefix.fail(prefix, now)
	}
}

// failBudget is a bounded map of token buckets.
type failBudget struct {
	burst     float64
	perSecond float64
	max       int

	mu        sync.Mutex
	buckets   map[string]*failBucket
	lastSweep time.Time
}

type failBucket struct {
	tokens float64
	at     time.Time
}

func newFailBudget(c AuthLimit) *failBudget {
	return &failBudget{
		burst:     float64(c.Burst),
		perSecond: float64(c.PerMinute) / 60,
		max:       c.MaxTracked,
		buckets:   make(map[string]*failBucket),
	}
}

// refill brings b up to now.
func (f *failBudget) refill(b *failBucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = math.Min(f.burst, b.tokens+d.Seconds()*f.perSecond)
		b.at = now
	}
}

func (f *failBudget) wait(key string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.buckets[key]
	if !ok {
		return 0
	}
	f.refill(b, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / f.perSecond * float64(time.Second))
}

func (f *failBudget) fail(key string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.buckets[key]
	if !ok {
		if len(f.buckets) >= f.max && !f.sweep(now) {
			// Full of keys that are all still failing: keep limiting those
			// rather than forget one to make room.
			return
		}
		b = &failBucket{tokens: f.burst, at: now}
		f.buckets[key] = b
	}
	f.refill(b, now)
	b.tokens = math.Max(0, b.tokens-1)
}

// sweep forgets buckets that have refilled completely (they behave as if
// absent) and reports whether there is room. It runs at most once a second
// so a full table under attack does not cost a scan per request.
func (f *failBudget) sweep(now time.Time) bool {
	if now.Sub(f.lastSweep) < authLimitSweepMinimumPeriod {
		return false
	}
	f.lastSweep = now
	for k, b := range f.buckets {
		f.refill(b, now)
		if b.tokens >= f.burst {
			delete(f.buckets, k)
		}
	}
	return len(f.buckets) < f.max
}

// clientAddr is the limiter's key for a request's peer: its IP, with IPv6
// addresses reduced to their /64.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// errAuthLimited answers a caller over its failure budget, in the shape of
// Graph's application rate limit.
func errAuthLimited(wait time.Duration) *wire.Error {
	e := graphError(wire.CodeAppRateLimit, http.StatusTooManyRequests,
		"(#4) Application request limit reached")
	e.ErrorData = &wire.ErrorData{Details: fmt.Sprintf(
		"Too many failed authentications from this client or for this key; retry after %d seconds.", retrySeconds(wait))}
	e.RetryAfter = retrySeconds(wait)
	e.IsTransient = true
	return e
}

func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
