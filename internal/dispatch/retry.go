package dispatch

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Action is what the dispatcher does with a message after a failed attempt.
type Action int

// Actions, from meta-platform.md §1.9.
const (
	// ActionBackoff retries the message with exponential backoff and
	// jitter; it fails for good once OutageHorizon has passed since the
	// message was accepted (or after MaxAttempts, when set).
	ActionBackoff Action = iota + 1
	// ActionThrottle retries the message soon and halves the sender's rate.
	ActionThrottle
	// ActionPairRate reschedules only this recipient's message at 4^X s.
	ActionPairRate
	// ActionStopSender stops the sender's dispatch and puts this message
	// and the rest back in the queue.
	ActionStopSender
	// ActionLater reschedules the message 24 hours later (131049).
	ActionLater
	// ActionFail fails the message for good.
	ActionFail

	// actionPause pauses the sender's sends briefly and retries the
	// message after the pause (131057, maintenance during a throughput
	// upgrade). The dispatcher chooses it; Classify does not return it.
	actionPause
)

func (a Action) String() string {
	switch a {
	case ActionBackoff:
		return "backoff"
	case ActionThrottle:
		return "throttle"
	case ActionPairRate:
		return "pair_rate"
	case ActionStopSender:
		return "stop_sender"
	case ActionLater:
		return "later"
	case ActionFail:
		return "fail"
	case actionPause:
		return "pause"
	}
	return "unknown"
}

// Classify maps a failed send to an action and the Graph code to record
// (0 when the failure carried none, e.g. a transport error).
//
// Token and permission errors (3, 10, 190, 200–299, 131005) stop the
// sender rather than failing messages: every message of the sender would
// fail the same way until an operator fixes the token, and failing them all
// would discard the outbox (§1.9: "No — new token"). Only the documented
// account-level codes stop a sender: a Graph error without a code (a 500
// whose JSON body names none) says nothing about the account and is
// classified by its HTTP status like any other unknown answer.
func Classify(err error) (Action, int) {
	var ge *wire.Error
	if errors.As(err, &ge) {
		return classifyGraph(ge), ge.Code
	}
	var he *cloudapi.HTTPError
	if errors.As(err, &he) {
		switch {
		case he.StatusCode == http.StatusTooManyRequests:
			return ActionThrottle, 0
		default:
			// 5xx, or a 4xx that is not Graph's (a proxy, a misrouted
			// base URL): nothing says the message is bad, so retry with
			// backoff until the attempt budget runs out.
			return ActionBackoff, 0
		}
	}
	// Timeouts, refused connections, resets, cancelled contexts: transient.
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return ActionBackoff, 0
	}
	return ActionBackoff, 0
}

func classifyGraph(e *wire.Error) Action {
	// Meta's documented codes: the advice of wire's one table.
	if a, ok := wire.AdviceFor(e.Code); ok {
		return actionOf(a)
	}
	if e.Code >= 200 && e.Code <= 299 {
		return ActionStopSender
	}
	switch {
	case e.HTTPStatus == http.StatusTooManyRequests:
		// An unknown code with 429 is throttling by another name.
		return ActionThrottle
	case e.HTTPStatus >= 500 || e.IsTransient || e.Code == 0:
		// No code: nothing says the message (or the account) is bad.
		return ActionBackoff
	}
	// Every other Graph error is about this request: fix it, don't retry.
	return ActionFail
}

// Backoff bounds.
const (
	backoffBase = time.Second
	backoffCap  = 10 * time.Minute
	pairMaxExp  = 6 // 4^6 s ≈ 68 min: beyond that the user is simply busy
	laterDelay  = 24 * time.Hour
	// maintenancePause is how long a number that answered 131057 is
	// left alone: Meta says an upgrading number is unusable for up to a
	// minute, so a few short pauses cover it without idling for the
	// whole minute when the upgrade is quick.
	maintenancePause = 15 * time.Second
	// throttleRetry is how soon a throttled message is due again at
	// first; the halved bucket does the real pacing. Repeated throttles
	// of one message back off exponentially up to throttleCap.
	throttleRetry = time.Second
	throttleCap   = time.Minute
)

// Default horizons: how long after a message was accepted each kind of
// transient failure is retried before the message fails with a failed
// status. Throttling (130429, 4, 80007, HTTP 429) and the pair rate
// (131056) are Meta telling the gateway to slow down, which it does; if a
// message still cannot go out after hours the tenant should know. An
// outage (5xx, network errors, timeouts) is retried for longer than a
// day-long outage lasts.
const (
	DefaultThrottleHorizon = 6 * time.Hour
	DefaultPairRateHorizon = 6 * time.Hour
	DefaultOutageHorizon   = 72 * time.Hour
)

// throttleDelay is how long a message throttled for the attempts-th time
// waits: 1 s, 2 s, 4 s … capped at throttleCap, and never less than
// Meta's Retry-After.
func throttleDelay(attempts, retryAfter int) time.Duration {
	d := throttleCap
	if attempts >= 1 && attempts <= 8 {
		d = min(throttleRetry<<(attempts-1), throttleCap)
	}
	return max(d, time.Duration(retryAfter)*time.Second)
}

// backoffDelay is full-jitter-free exponential backoff with ±20 % jitter:
// attempt 1 waits about 1 s, attempt 2 about 2 s, capped at 10 min.
func backoffDelay(attempts int, jitter func() float64) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	d := backoffCap
	if attempts <= 20 {
		d = min(backoffBase<<(attempts-1), backoffCap)
	}
	// Jitter spreads retries of a failed burst so they do not come back as
	// one burst.
	f := 0.8 + 0.4*jitter()
	return time.Duration(float64(d) * f)
}

// pairDelay is Meta's 4^X seconds, X = the attempts before this one.
func pairDelay(prevAttempts int) time.Duration {
	x := min(max(prevAttempts, 0), pairMaxExp)
	d := time.Second
	for range x {
		d *= 4
	}
	return d
}

func defaultJitter() float64 { return rand.Float64() }

// actionOf maps wire's retry advice to the dispatcher's action.
func actionOf(a wire.Advice) Action {
	switch a {
	case wire.Backoff:
		return ActionBackoff
	case wire.Throttle:
		return ActionThrottle
	case wire.PairRate:
		return ActionPairRate
	case wire.StopSender:
		return ActionStopSender
	case wire.Later:
		return ActionLater
	}
	return ActionFail
}
