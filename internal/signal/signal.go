// Package signal carries what the gateway learns from Meta's webhooks to
// whoever acts on it. Webhook processing emits typed signals — an inbound
// message, a status, a failure by code, an event of another field (quality,
// account, template, preferences…) — and consumers subscribe: the consent
// recorder turns opt-out words, Meta's user_preferences and 131050 failures
// into ledger records; the intake's facts cache opens windows; later the
// risk engine counts. Forwarding to the tenant stays the processor's own
// step, which sees every event, known or not.
//
// Signals are emitted before the processor commits the deliveries they came
// from: a consumer that fails makes the batch run again, so a crash cannot
// lose an opt-out. Consumers must therefore be idempotent.
package signal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
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
	// fields the gateway does not know are events too, never dropped.
	Event Kind = "event"
)

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

// Bus fans signals out to its consumers, in subscription order. The zero
// Bus has none and drops nothing that matters: forwarding does not go
// through it.
type Bus struct {
	consumers []named
}

type named struct {
	name string
	c    Consumer
}

// Subscribe adds a consumer; call it while wiring, before any Emit.
func (b *Bus) Subscribe(name string, c Consumer) {
	b.consumers = append(b.consumers, named{name, c})
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
