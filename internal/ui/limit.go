package ui

import (
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/failbudget"
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
	byAddr, byEmail *failbudget.Budget
}

func newLoginLimiter(burst, perMinute int) *loginLimiter {
	if burst <= 0 {
		burst = DefaultLoginBurst
	}
	if perMinute <= 0 {
		perMinute = DefaultLoginPerMinute
	}
	return &loginLimiter{byAddr: failbudget.New(burst, perMinute, loginMaxTracked), byEmail: failbudget.New(burst, perMinute, loginMaxTracked)}
}

// wait is how long the caller must wait before trying again (0: now).
func (l *loginLimiter) wait(addr, email string, now time.Time) time.Duration {
	return max(l.byAddr.Wait(addr, now), l.byEmail.Wait(email, now))
}

func (l *loginLimiter) fail(addr, email string, now time.Time) {
	l.byAddr.Fail(addr, now)
	l.byEmail.Fail(email, now)
}

// clientAddr is the request's peer address, IPv6 reduced to its /64, as
// on the API.
func clientAddr(r *http.Request) string { return failbudget.ClientAddr(r) }
