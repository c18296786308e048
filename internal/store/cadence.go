package store

import (
	"context"
	"time"
)

// ContactSend is one message accepted for a contact that the cadence rules
// count: per-category caps and the identical-content guard. Rows are
// written by CommitIntake, in the same transaction as the message.
type ContactSend struct {
	TenantID    string
	WaID        string
	Category    string
	ContentHash string // "" when the message is not a template
	MessageID   string
	At          time.Time
}

// CadenceRefusal is why CommitIntake did not record a message.
type CadenceRefusal string

// Cadence refusals.
const (
	CadenceCap    CadenceRefusal = "cap"
	CadenceRepeat CadenceRefusal = "repeat"
)

// Cadence is what an intake asks CommitIntake to check and record for its
// contact, inside the commit transaction, so that a cap holds exactly
// however many replicas accept at once: the count is taken with the
// contact's other commits excluded (SQLite's single writer; a PostgreSQL
// advisory lock per contact), including earlier intakes of the same batch.
type Cadence struct {
	TenantID, WaID, Category, ContentHash, MessageID string
	At                                               time.Time
	// CapMax, when positive, allows at most CapMax sends of Category at or
	// after CapSince, this one included.
	CapMax   int
	CapSince time.Time
	// RepeatSince, when not zero, refuses a ContentHash already sent at or
	// after it.
	RepeatSince time.Time

	// Refused is set by CommitIntake: the reason the intake's message,
	// decision and idempotency key were not recorded ("" when they were).
	Refused CadenceRefusal
}

// Since is the oldest send the check needs to see.
func (c *Cadence) Since() time.Time {
	since := c.CapSince
	if c.CapMax <= 0 || (!c.RepeatSince.IsZero() && c.RepeatSince.Before(since)) {
		since = c.RepeatSince
	}
	return since
}

// Check decides on c against the contact's recent sends; engines call it
// inside the commit transaction.
func (c *Cadence) Check(recent []ContactSend) CadenceRefusal {
	n := 0
	for _, s := range recent {
		if !c.RepeatSince.IsZero() && c.ContentHash != "" && s.ContentHash == c.ContentHash && !s.At.Before(c.RepeatSince) {
			return CadenceRepeat
		}
		if c.CapMax > 0 && s.Category == c.Category && !s.At.Before(c.CapSince) {
			n++
		}
	}
	if c.CapMax > 0 && n >= c.CapMax {
		return CadenceCap
	}
	return ""
}

// Row is the send c records when it passes.
func (c *Cadence) Row() ContactSend {
	return ContactSend{TenantID: c.TenantID, WaID: c.WaID, Category: c.Category, ContentHash: c.ContentHash,
		MessageID: c.MessageID, At: c.At}
}

// ContactKey names a contact of a tenant.
type ContactKey struct{ TenantID, WaID string }

// Cadences reads what the cadence rules count.
type Cadences interface {
	// RecentSends returns a contact's sends at or after since, oldest
	// first.
	RecentSends(ctx context.Context, tenantID, waID string, since time.Time) ([]ContactSend, error)
	// PruneContactSends deletes sends before before (older than any
	// window counts) and returns how many.
	PruneContactSends(ctx context.Context, before time.Time) (int, error)
}
