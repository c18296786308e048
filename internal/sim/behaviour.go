package sim

import (
	"context"
	"math/rand/v2"
	"time"
)

// Delivery is what a recipient receives: one accepted message.
type Delivery struct {
	PhoneNumberID string
	WABAID        string
	// To is the recipient's wa_id.
	To        string
	MessageID string
	// Type is the message type (text, template, image…).
	Type string
	// Text is the text body, or the template name for templates.
	Text string
	// TemplateName, TemplateLanguage and Category are set for templates
	// (Category is MARKETING, UTILITY or AUTHENTICATION).
	TemplateName     string
	TemplateLanguage string
	Category         string
	// Content is what the recipient reads: the text body, or a template's
	// header and body text with its parameters (set when the population
	// model is on).
	Content string
	// InServiceWindow reports whether the user messaged the number in the last 24 h.
	InServiceWindow bool
	At              time.Time
}

// Reaction is what a recipient does with a Delivery. The zero Reaction
// delivers the message and leaves it unread.
type Reaction struct {
	// FailCode, when non-zero, fails the message with this Graph code, e.g.
	// 131026 undeliverable: a single "failed" status replaces sent, delivered and read.
	FailCode int
	// Read marks the message read after the configured ReadDelay.
	Read bool
	// Block makes every later message from this number to the user fail with 131026.
	Block bool
	// Report counts a spam report against the number (see Stats).
	Report bool
	// Mute silences the business's chat: invisible to the business, a
	// negative signal to the quality model.
	Mute bool
	// OptOutMarketing stops marketing templates from this WABA to the user:
	// a user_preferences "stop" webhook is sent and later marketing
	// templates fail with 131050.
	OptOutMarketing bool
	// Reply, when non-empty, is an inbound text message the user sends after
	// delivery (e.g. "PARAR"); it also opens the service window.
	Reply string
	// Quality, when non-empty, sets the number's quality rating (GREEN, YELLOW, RED).
	Quality string
	// MessageStatus, when non-empty, is the message_status of the send
	// answer, e.g. held_for_quality_assessment or paused as Meta answers
	// for a marketing template under review or paused. Empty answers as
	// Meta does by default: accepted for a template, nothing otherwise.
	MessageStatus string
}

// Behaviour models recipients. OnSend is called once per accepted message,
// with the sending number's lock held: it must be quick, must not call back
// into the Sim, and must draw randomness only from rng so that runs with the
// same seed repeat.
type Behaviour interface {
	OnSend(ctx context.Context, d Delivery, rng *rand.Rand) Reaction
}

// BehaviourFunc adapts a function to Behaviour.
type BehaviourFunc func(ctx context.Context, d Delivery, rng *rand.Rand) Reaction

// OnSend calls f.
func (f BehaviourFunc) OnSend(ctx context.Context, d Delivery, rng *rand.Rand) Reaction {
	return f(ctx, d, rng)
}

// DefaultBehaviour delivers every message and reads it with ReadProbability.
type DefaultBehaviour struct {
	ReadProbability float64
}

// OnSend delivers, and reads with the configured probability.
func (b DefaultBehaviour) OnSend(_ context.Context, _ Delivery, rng *rand.Rand) Reaction {
	return Reaction{Read: b.ReadProbability > 0 && rng.Float64() < b.ReadProbability}
}
