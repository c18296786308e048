package policy

import (
	"context"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
)

// DefaultMarketingHold is Meta's advice after a 131049: "wait at least 24
// hours before resending to that user" (meta-platform.md §1.4).
const DefaultMarketingHold = 24 * time.Hour

// MarketingHold defers marketing templates to a person whose last marketing
// template Meta failed with 131049 (the per-user marketing limit) until the
// hold has passed since that failure. Meta warns that resending within 24 h
// to a capped person can make delivery to them unavailable for longer, so
// the message waits, unsent, rather than being sent into the cap; it goes
// out once the hold is over. It runs at intake and again right before each
// send, so a 131049 that arrives while a campaign is queued holds the rest
// of that person's marketing too. Utility and authentication templates are
// not capped and are not held.
type MarketingHold struct {
	// Hold is how long after the failure (DefaultMarketingHold when zero).
	Hold time.Duration
}

// Name implements Rule.
func (MarketingHold) Name() string { return "marketing_hold" }

// SendTime implements SendTimeRule.
func (MarketingHold) SendTime() bool { return true }

// Check implements Rule.
func (r MarketingHold) Check(_ context.Context, m *Message) Decision {
	f := m.Facts
	if !f.Loaded || f.MarketingLimitedAt.IsZero() || CategoryOf(m) != consent.Marketing {
		return Allowed()
	}
	hold := r.Hold
	if hold <= 0 {
		hold = DefaultMarketingHold
	}
	until := f.MarketingLimitedAt.Add(hold)
	if !m.Now.Before(until) {
		return Allowed()
	}
	return Deferred("marketing_hold", "marketing_hold.active",
		"Meta failed this person's last marketing template with 131049 (per-user marketing limit); marketing waits until the hold is over", until)
}
