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
	// jitter; it fails for good after MaxAttempts or MaxAge.
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
	}
	return "unknown"
}

// Codes of §1.9 that wire does not name.
const (
	codeCapability     = 3
	codePhoneDeleted   = 33
	codeCountryBlocked = 130497
	codePermission2    = 131005
	codeTemplateLimit  = 131064
	codeReengagement   = 2494100 // "Retry later" subcode-style code seen from Meta
)

// Classify maps a failed send to an action and the Graph code to record
// (0 when the failure carried none, e.g. a transport error).
//
// Token and permission errors (0, 3, 10, 190, 200–299, 131005) stop the
// sender rather than failing messages: every message of the sender would
// fail the same way until an operator fixes the token, and failing them all
// would discard the outbox (§1.9: "No — new token").
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
	switch e.Code {
	case wire.CodeThroughput, wire.CodeAppRateLimit, wire.CodeWABARateLimit:
		return ActionThrottle
	case wire.CodePairRate:
		return ActionPairRate
	case wire.CodeUnknownRequest, wire.CodeTemporary, wire.CodeGenericUser,
		wire.CodeServiceUnavailable, wire.CodeMaintenance, codeReengagement:
		return ActionBackoff
	case wire.CodePolicyRestricted, wire.CodeAccountLocked, wire.CodeSpamRateLimit,
		codeTemplateLimit, codeCountryBlocked:
		return ActionStopSender
	case 0, codeCapability, wire.CodePermission, wire.CodeAccessToken, codePermission2, codePhoneDeleted:
		return ActionStopSender
	case wire.CodeEcosystem:
		return ActionLater
	case wire.CodeMarketingStopped:
		return ActionFail
	}
	if e.Code >= 200 && e.Code <= 299 {
		return ActionStopSender
	}
	switch {
	case e.HTTPStatus == http.StatusTooManyRequests:
		// An unknown code with 429 is throttling by another name.
		return ActionThrottle
	case e.HTTPStatus >= 500 || e.IsTransient:
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
	// throttleRetry is how soon a throttled message is due again; the
	// halved bucket does the real pacing.
	throttleRetry = time.Second
)

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
