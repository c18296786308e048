package gateway

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/failbudget"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Defaults of AuthLimit.
const (
	DefaultAuthFailureBurst    = 20
	DefaultAuthFailuresPerMin  = 10
	DefaultAuthLimitMaxTracked = 10000
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
	byAddr, byPrefix *failbudget.Budget
}

func newAuthLimiter(c AuthLimit) *authLimiter {
	c = c.withDefaults()
	if c.Burst < 0 {
		return &authLimiter{off: true}
	}
	return &authLimiter{
		byAddr:   failbudget.New(c.Burst, c.PerMinute, c.MaxTracked),
		byPrefix: failbudget.New(c.Burst, c.PerMinute, c.MaxTracked),
	}
}

// wait returns how long the caller must wait before trying again, or 0
// when it may try now.
func (l *authLimiter) wait(addr, prefix string, now time.Time) time.Duration {
	if l.off {
		return 0
	}
	w := l.byAddr.Wait(addr, now)
	if prefix != "" {
		w = max(w, l.byPrefix.Wait(prefix, now))
	}
	return w
}

// fail spends one failure of the address and of the prefix.
func (l *authLimiter) fail(addr, prefix string, now time.Time) {
	if l.off {
		return
	}
	l.byAddr.Fail(addr, now)
	if prefix != "" {
		l.byPrefix.Fail(prefix, now)
	}
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

// clientAddr is the limiter's key for a request's peer.
func clientAddr(r *http.Request) string { return failbudget.ClientAddr(r) }
