package policy

import (
	"context"
	"time"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// limitRetry is how long a message waits when the portfolio is full but no
// release time is known (a limit of zero, or facts read mid-change).
const limitRetry = time.Minute

// MessagingLimit keeps a business portfolio under its messaging limit: a
// business-initiated message (a template outside an open window) to a
// recipient who does not yet count in the moving 24 hours waits while the
// portfolio's limit is reached, until the oldest counted recipient leaves
// the window. Meta documents no error for a reached limit, so nothing is
// sent into a rejection: the message is deferred, not refused. Replies
// inside an open window and recipients already counted pass.
type MessagingLimit struct{}

// Name implements Rule.
func (MessagingLimit) Name() string { return "messaging_limit" }

// SendTime implements SendTimeRule: the count moves with every send of
// every number of the portfolio, on every replica, so it is asked again
// right before each send (where the slot is also reserved).
func (MessagingLimit) SendTime() bool { return true }

// Counts reports whether m counts against its portfolio's limit: a
// template to a person whose customer service window is not open.
func Counts(m *Message) bool {
	f := m.Facts
	if !f.Loaded || m.Request == nil || !m.Request.IsTemplate() || m.Request.RecipientType == "group" {
		return false
	}
	return f.LastInbound.IsZero() || m.Now.Sub(f.LastInbound) >= ServiceWindow
}

// Check implements Rule.
func (MessagingLimit) Check(_ context.Context, m *Message) Decision {
	q := m.Facts.Quota
	if q != nil && q.WarmupFull && Counts(m) {
		// A warming number's own allowance: deferred the same way.
		until := q.WarmupUntil
		if !until.After(m.Now) {
			until = m.Now.Add(limitRetry)
		}
		e := refusal.Must(refusal.WarmupReached)
		d := Deferred("messaging_limit", e.Key, e.In(refusal.EN).Explanation, until)
		d.Refusal = refusal.WarmupReached
		return d
	}
	if q == nil || q.Counted || q.Limit < 0 || !Counts(m) || q.Used < q.Limit {
		return Allowed()
	}
	until := q.NextRelease
	if !until.After(m.Now) {
		until = m.Now.Add(limitRetry)
	}
	e := refusal.Must(refusal.MessagingLimitReached)
	d := Deferred("messaging_limit", e.Key, e.In(refusal.EN).Explanation, until)
	d.Refusal = refusal.MessagingLimitReached
	return d
}
