// Package signal carries what the gateway learns from Meta's webhooks to
// whoever acts on it. Webhook processing parses each delivery into typed
// signals — an inbound message, a status, a failure by code, an event of
// another field (quality, account, template, preferences…), Meta's fields
// the gateway does not know included — and two kinds of subscriber act on
// them:
//
//   - A Consumer writes on its own: the consent recorder turns opt-out
//     words, Meta's user_preferences and 131050 failures into ledger
//     records; the intake's facts cache opens windows; limits, templates and
//     pacing keep their state. Consumers run before the batch commits: one
//     that fails makes the batch run again, so a crash cannot lose an
//     opt-out. They must therefore be idempotent.
//   - A Stager writes nothing itself: it stages writes (Staging) that the
//     store commits in the batch's own transaction, after the batch's
//     status events are recorded and with each signal's New set from them.
//     A stager that fails rolls the whole batch back. Forwarding to the
//     tenant is a stager (internal/forward): a forward is enqueued exactly
//     when its event is recorded, so a crash neither loses nor duplicates
//     one.
//
// Processing is thus parse → signal → consume → stage → commit.
package signal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// Kind is what a signal is about.
type Kind string

// Kinds.
const (
	// Inbound is a message a person sent to a business number.
	Inbound Kind = "inbound"
	// Status is a status of an outgoing message (sent, delivered, read,
	// failed).
	Status Kind = "status"
	// Event is a change of any other field (Field says which); Meta's
	// fields the gateway does not know are events too, never dropped. A
	// messages change that carries neither messages nor only statuses
	// (value-level errors, say) is an Event of field "messages".
	Event Kind = "event"
)

// Change is the webhook change signals came from, shared by every signal
// made of it: a stager that forwards builds from it what the tenant gets,
// so that what the gateway does not understand still reaches the tenant as
// Meta sent it.
type Change struct {
	// DeliveryID is the stored delivery the change was part of.
	DeliveryID int64
	// WABAID is the entry's id, EntryTime its time as Meta sent it (Unix
	// seconds, 0 for none).
	WABAID    string
	EntryTime int64
	// Field and Value are the change as Meta sent it.
	Field string
	Value json.RawMessage
}

// Ref is the gateway's own message a signal refers to.
type Ref struct {
	// ID is the gateway's message id, the one its tenant knows.
	ID       string
	TenantID string
}

// Signal is one thing learned from a webhook.
type Signal struct {
	Kind Kind
	// TenantID owns the number the signal is about ("" when no tenant
	// does: such signals still reach consumers, which may ignore them).
	TenantID      string
	WABAID        string
	PhoneNumberID string
	// WaID is the person's WhatsApp id as Meta sent it; UserID the
	// business-scoped user id when Meta sent one.
	WaID   string
	UserID string
	// MessageID is Meta's id of the inbound message, or of the outgoing
	// message a status is about.
	MessageID string
	At        time.Time
	// Field is the webhook field ("messages" for Inbound and Status).
	Field string
	// Status and Codes describe a status (Codes: its errors' codes).
	Status string
	Codes  []int
	// ReplyTo is the id of the message an inbound message quotes.
	ReplyTo string
	// Raw is the inbound message object, the status object, or an event's
	// whole change value, as Meta sent it.
	Raw json.RawMessage
	// Change is the change the signal came from (nil for a signal not made
	// from a webhook).
	Change *Change
	// Ref is the gateway's message behind a Meta id: for a Status, the
	// message it is about (zero when the gateway did not send it); for an
	// Inbound message, the one its reply context quotes (zero when none or
	// unknown).
	Ref Ref
	// New reports the event as seen for the first time. It is exact for
	// stagers: a status of a gateway message is new when the store records
	// its event in the batch's transaction, and every other signal is made
	// new (a redelivered inbound message is not emitted at all; the
	// forward's event keys deduplicate the rest in the store). Consumers,
	// which run before that, see statuses of gateway messages as not new
	// yet, and must be idempotent instead.
	New bool
}

// Consumer acts on signals. Consume gets them in the order the webhooks
// carried them and must be idempotent: a batch may be offered again after a
// failure or a crash.
type Consumer interface {
	Consume(ctx context.Context, batch []Signal) error
}

// ConsumerFunc adapts a function to Consumer.
type ConsumerFunc func(ctx context.Context, batch []Signal) error

// Consume implements Consumer.
func (f ConsumerFunc) Consume(ctx context.Context, batch []Signal) error { return f(ctx, batch) }

// Stager stages writes into the transaction of the batch its signals came
// from. Stage gets the batch in the order the webhooks carried it, with New
// set (see Signal.New), and must not touch the store: the transaction is
// held while it runs. An error rolls the batch back, to run again.
type Stager interface {
	Stage(ctx context.Context, batch []Signal, tx *Staging) error
}

// StagerFunc adapts a function to Stager.
type StagerFunc func(ctx context.Context, batch []Signal, tx *Staging) error

// Stage implements Stager.
func (f StagerFunc) Stage(ctx context.Context, batch []Signal, tx *Staging) error {
	return f(ctx, batch, tx)
}

// Staging collects what stagers write into one batch's transaction.
type Staging struct {
	// Now is the batch's time, for what the staged rows stamp.
	Now    time.Time
	staged store.Staged
}

// Forward stages forwards to tenants; the store enqueues each unless every
// one of its EventKeys was seen before.
func (s *Staging) Forward(fs ...store.Forward) {
	s.staged.Forwards = append(s.staged.Forwards, fs...)
}

// Staged returns what was staged, for the store to write.
func (s *Staging) Staged() store.Staged { return s.staged }

// Bus fans signals out to its consumers and stagers, each in subscription
// order. The zero Bus has none: nothing is forwarded through it either, so
// wiring subscribes the forwarder like any other.
type Bus struct {
	consumers []named
	stagers   []namedStager
}

type named struct {
	name string
	c    Consumer
}

type namedStager struct {
	name string
	s    Stager
}

// Subscribe adds a consumer; call it while wiring, before any Emit.
func (b *Bus) Subscribe(name string, c Consumer) {
	b.consumers = append(b.consumers, named{name, c})
}

// SubscribeStager adds a stager; call it while wiring, before any Stage.
func (b *Bus) SubscribeStager(name string, s Stager) {
	b.stagers = append(b.stagers, namedStager{name, s})
}

// Stage hands a batch to every stager, inside its transaction. The first
// error stops it: the transaction rolls back, staged writes and all.
func (b *Bus) Stage(ctx context.Context, batch []Signal, tx *Staging) error {
	if b == nil || len(batch) == 0 {
		return nil
	}
	for _, n := range b.stagers {
		if err := n.s.Stage(ctx, batch, tx); err != nil {
			return fmt.Errorf("signal stager %s: %w", n.name, err)
		}
	}
	return nil
}

// Emit hands a batch to every consumer. Every consumer gets the batch even
// when one before it failed; the errors are joined, and the caller retries
// the batch.
func (b *Bus) Emit(ctx context.Context, batch []Signal) error {
	if b == nil || len(batch) == 0 {
		return nil
	}
	var errs []error
	for _, n := range b.consumers {
		if err := n.c.Consume(ctx, batch); err != nil {
			errs = append(errs, fmt.Errorf("signal consumer %s: %w", n.name, err))
		}
	}
	return errors.Join(errs...)
}
