package dispatch

import (
	"context"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// SendTimeCheck is the send-time stage (package intake): the rules whose
// facts can change after acceptance — an opt-out, an erasure, a withdrawn
// consent — asked right before each send. A refusal fails the message
// with its status error, told to the tenant as a failed status; an error
// means the facts could not be read, and the message waits and is asked
// again rather than sent unchecked.
type SendTimeCheck interface {
	CheckSend(ctx context.Context, msg *store.Message, now time.Time) (*LateRefusal, error)
}

// LateRefusal is a send-time refusal, or a deferral when Until is set.
type LateRefusal struct {
	// Code is the decision code ("suppression.opted_out").
	Code string
	// Status is the failed status's error, in Meta's asynchronous shape.
	Status wire.StatusError
	// Until, when set, defers the message instead of failing it: it goes
	// back to the queue, unsent, and is claimed and checked again from
	// then (quiet hours, a cap or a limit reached).
	Until time.Time
}

// sendTimeRetry is how long a message whose send-time facts could not be
// read waits before it is asked again.
const sendTimeRetry = 2 * time.Second

// recheckAfter is how long a message may wait for its departure after its
// send-time check before it is checked again.
const recheckAfter = 100 * time.Millisecond

// SendTimeBatch is a send-time stage that decides on a whole claim at
// once — the messaging-limit slots of all its business-initiated messages
// are reserved in one store transaction instead of one each — asks again
// without reserving again, and gives back the slot of a message that then
// did not go (set aside for its recipient's pair rate, put back at a
// stop, deferred on the second look).
type SendTimeBatch interface {
	SendTimeCheck
	// CheckSends decides on the messages of one claim, in their order; an
	// error for a message whose facts could not be read.
	CheckSends(ctx context.Context, msgs []store.Message, now time.Time) ([]*LateRefusal, []error)
	// RecheckSend decides again on a message CheckSends allowed, after the
	// pacing held it; its slot stays taken.
	RecheckSend(ctx context.Context, msg *store.Message, now time.Time) (*LateRefusal, error)
	// ReleaseSend gives back the slot CheckSends took for msg.
	ReleaseSend(ctx context.Context, msg *store.Message) error
}
