package ui

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Log-in limits, mirroring the gateway's key limiter
// (internal/gateway/authlimit.go): failed log-ins are counted per client
// address (IPv6 by /64) and per email, each a token bucket of Burst
// failures refilled at PerMinute. An empty bucket refuses the attempt
// before the password is checked, so guessing costs no key derivation.
const (
	DefaultLoginBurst     = 10
	DefaultLoginPerMinute = 5
	loginMaxTracked       = 10000
)

type loginLimiter struct {
	byAddr, byEmail *failBudget
}

func newLoginLimiter(burst, perMinute int) *loginLimiter {
	if burst <= 0 {
		burst = DefaultLoginBurst
	}
	if perMinute <= 0 {
		perMinute = DefaultLoginPerMinute
	}
	return &loginLimiter{byAddr: newFailBudget(burst, perMinute), byEmail: newFailBudget(burst, perMinute)}
}

// wait is how long the caller must wait before trying again (0: now).
func (l *loginLimiter) wait(addr, email string, now time.Time) time.Duration {
	return max(l.byAddr.wait(addr, now), l.byEmail.wait(email, now))
}

func (l *loginLimiter) fail(addr, email string, now time.Time) {
	l.byAddr.fail(addr, now)
	l.byEmail.fail(email, now)
}

// failBudget is a bounded map of token buckets.
type failBudget struct {
	burst, perSecond float64

	mu      sync.Mutex
	buckets map[string]*failBucket
}

type failBucket struct {
	tokens float64
	at     time.Time
}

func newFailBudget(burst, perMinute int) *failBudget {
	return &failBudget{burst: float64(burst), perSecond: float64(perMinute) / 60, buckets: make(map[string]*failBucket)}
}

func (b *failBudget) refill(k *failBucket, now time.Time) {
	if el := now.Sub(k.at).Seconds(); el > 0 {
		k.tokens = math.Min(b.burst, k.tokens+el*b.perSecond)
		k.at = now
	}
}

func (b *failBudget) wait(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	k, ok := b.buckets[key]
	if !ok {
		return 0
	}
	b.refill(k, now)
	if k.tokens >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1-k.tokens)/b.perSecond)) * time.Second
}

func (b *failBudget) fail(key string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k, ok := b.buckets[key]
	if !ok {
		if len(b.buckets) >= loginMaxTracked {
			b.sweep(now)
		}
		k = &failBucket{tokens: b.burst, at: now}
		b.buckets[key] = k
	}
	b.refill(k, now)
	k.tokens = math.Max(0, k.tokens-1)
}

// sweep forgets full buckets (they say nothing), and when that is not
// enough, everything: being forgiven early is better than unbounded memory.
func (b *failBudget) sweep(now time.Time) {
	for key, k := range b.buckets {
		b.refill(k, now)
		if k.tokens >= b.burst {
			delete(b.buckets, key)
		}
	}
	if len(b.buckets) >= loginMaxTracked {
		clear(b.buckets)
	}
}

// clientAddr is the request's peer address, IPv6 reduced to its /64.
// X-Forwarded-For is not trusted, as on the API.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
