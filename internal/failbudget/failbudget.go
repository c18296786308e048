// Package failbudget limits failed attempts (wrong API keys, wrong
// passwords): each key — a client address, a key prefix, an email — has a
// token bucket of Burst failures refilled at PerMinute, kept in a bounded
// table. An empty bucket makes the next attempt wait, so guessing costs
// time and never an expensive check.
package failbudget

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// sweepMinimumPeriod bounds how often a full table is scanned for buckets
// to forget, so a table full under attack does not cost a scan per attempt.
const sweepMinimumPeriod = time.Second

// Budget is a bounded map of failure buckets. It is safe for concurrent use.
type Budget struct {
	burst     float64
	perSecond float64
	max       int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a budget of burst failures per key, refilled at perMinute,
// tracking at most maxTracked keys.
func New(burst, perMinute, maxTracked int) *Budget {
	return &Budget{burst: float64(burst), perSecond: float64(perMinute) / 60, max: maxTracked, buckets: make(map[string]*bucket)}
}

// refill brings b up to now.
func (f *Budget) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = math.Min(f.burst, b.tokens+d.Seconds()*f.perSecond)
		b.at = now
	}
}

// Wait is how long key must wait before its next attempt (0: now).
func (f *Budget) Wait(key string, now time.Time) time.Duration {
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

// Fail spends one of key's failures.
func (f *Budget) Fail(key string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.buckets[key]
	if !ok {
		if len(f.buckets) >= f.max && !f.sweep(now) {
			// Full of keys that are all still failing: keep limiting those
			// rather than forget one to make room.
			return
		}
		b = &bucket{tokens: f.burst, at: now}
		f.buckets[key] = b
	}
	f.refill(b, now)
	b.tokens = math.Max(0, b.tokens-1)
}

// Tracked is how many keys the budget holds.
func (f *Budget) Tracked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.buckets)
}

// Has reports whether key is tracked.
func (f *Budget) Has(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.buckets[key]
	return ok
}

// sweep forgets buckets that have refilled completely (they behave as if
// absent) and reports whether there is room.
func (f *Budget) sweep(now time.Time) bool {
	if now.Sub(f.lastSweep) < sweepMinimumPeriod {
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

// ClientAddr is a request's peer as a budget key: its IP, with IPv6
// addresses reduced to their /64. X-Forwarded-For is not trusted.
func ClientAddr(r *http.Request) string {
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
