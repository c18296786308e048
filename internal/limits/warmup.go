package limits

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// DefaultCurve is the warm-up of a number when none is configured: its
// daily allowance of unique recipients of business-initiated messages on
// the first, second, … day of its warm-up. It starts at a fifth of the
// 250 a new portfolio gets and doubles while it is small, so a fresh
// number shows Meta a slowly growing, well-received volume instead of a
// first-day blast; after the last day the warm-up is over and only the
// portfolio's limit holds.
var DefaultCurve = []int{50, 100, 200, 400, 700, 1000, 1500}

// Warmup reasons recorded with a (re)start.
const (
	WarmupFirstSeen  = "first_seen"
	WarmupOnboarding = "onboarding"
	// WarmupRestriction is the reason the risk engine gives when a number
	// comes back from a restriction.
	WarmupRestriction = "restriction_lifted"
	WarmupOperator    = "operator"
)

// WarmupConfig is the warm-up curve.
type WarmupConfig struct {
	// Curve is the daily allowance by day of the warm-up (nil:
	// DefaultCurve). Entries must be positive; a bad curve is logged and
	// DefaultCurve used (slower, never faster than a mistake could make it).
	Curve []int
	// Off turns warm-up off: no sender is ever held by it.
	Off bool
}

// warmupTTL bounds how long a sender's warm-up is served from memory: the
// time a restart recorded by another replica takes to be seen here.
const warmupTTL = 5 * time.Second

type cachedWarmup struct {
	w     store.Warmup
	known bool // false: the sender has no warm-up
	until time.Time
}

// WarmupState is a sender's warm-up as the management API shows it.
type WarmupState struct {
	// Active is false once the curve's last day is over (or for a sender
	// never warmed up).
	Active    bool      `json:"active"`
	StartedAt time.Time `json:"started_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	// Day is the warm-up's day, 1 on the first; 0 when not active.
	Day int `json:"day,omitempty"`
	// Allowance is today's cap of unique recipients in the moving 24
	// hours; Used how many this number reached in them.
	Allowance int `json:"allowance,omitempty"`
	Used      int `json:"used,omitempty"`
	// NextRelease is when the allowance next grows: a recipient leaves the
	// window or the next day starts.
	NextRelease time.Time `json:"next_release,omitzero"`
	// Ends is when the warm-up is over.
	Ends time.Time `json:"ends,omitzero"`
}

func validCurve(c []int) bool {
	if len(c) == 0 {
		return false
	}
	for _, v := range c {
		if v <= 0 || v > MaxCap {
			return false
		}
	}
	return true
}

// allowance is the cap of a warm-up that started at started, at now: the
// curve's entry of the current day, when the next day starts, and false
// when the warm-up is over (or has not started).
func (q *Quota) allowance(started, now time.Time) (limit, day int, nextDay time.Time, ok bool) {
	if q.warm.Off || now.Before(started) {
		return 0, 0, time.Time{}, false
	}
	d := int(now.Sub(started) / (24 * time.Hour))
	if d >= len(q.curve) {
		return 0, 0, time.Time{}, false
	}
	return q.curve[d], d + 1, started.Add(time.Duration(d+1) * 24 * time.Hour), true
}

// warmupOf returns a sender's warm-up, from memory for warmupTTL.
func (q *Quota) warmupOf(ctx context.Context, senderID string) (store.Warmup, bool, error) {
	now := q.now()
	q.mu.Lock()
	c, ok := q.warmups[senderID]
	q.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.w, c.known, nil
	}
	w, err := q.st.GetWarmup(ctx, senderID)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Warmup{}, false, fmt.Errorf("limits: warm-up of %s: %w", senderID, err)
	}
	q.mu.Lock()
	q.warmups[senderID] = cachedWarmup{w: w, known: known, until: now.Add(warmupTTL)}
	q.mu.Unlock()
	return w, known, nil
}

// senderLimit is the warm-up cap of a sender at now (0: none) and when the
// next day of its curve starts.
func (q *Quota) senderLimit(ctx context.Context, senderID string, now time.Time) (int, time.Time, error) {
	if q.warm.Off {
		return 0, time.Time{}, nil
	}
	w, known, err := q.warmupOf(ctx, senderID)
	if err != nil || !known {
		return 0, time.Time{}, err
	}
	limit, _, next, ok := q.allowance(w.StartedAt, now)
	if !ok {
		return 0, time.Time{}, nil
	}
	return limit, next, nil
}

// StartWarmup (re)starts the warm-up of a sender at at: from then its
// daily business-initiated volume ramps along the curve again. The risk
// engine calls it when a restriction of the number expires; reason is
// recorded with it (WarmupRestriction, WarmupOnboarding, …). Every replica
// sees it within a few seconds.
func (q *Quota) StartWarmup(ctx context.Context, senderID, reason string, at time.Time) error {
	w := store.Warmup{PhoneNumberID: senderID, StartedAt: at, Reason: reason, UpdatedAt: at}
	if err := q.st.StartWarmup(ctx, w); err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	q.mu.Lock()
	q.warmups[senderID] = cachedWarmup{w: w, known: true, until: q.now().Add(warmupTTL)}
	q.mu.Unlock()
	q.log.Info("limits: warm-up started", "sender", senderID, "reason", reason, "at", at)
	return nil
}

// SeeSender starts the warm-up of a sender the gateway has never seen
// (reason WarmupFirstSeen), and leaves one it knows alone. Senders known
// before warm-up existed were recorded as established by the migration.
func (q *Quota) SeeSender(ctx context.Context, senderID string, at time.Time) error {
	w, err := q.st.EnsureWarmup(ctx, store.Warmup{PhoneNumberID: senderID, StartedAt: at, Reason: WarmupFirstSeen, UpdatedAt: at})
	if err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	q.mu.Lock()
	q.warmups[senderID] = cachedWarmup{w: w, known: true, until: q.now().Add(warmupTTL)}
	q.mu.Unlock()
	if w.Reason == WarmupFirstSeen && w.StartedAt.Equal(at) {
		q.log.Info("limits: new sender, warm-up started", "sender", senderID)
	}
	return nil
}

// Warmup reads a sender's warm-up at now.
func (q *Quota) Warmup(ctx context.Context, senderID string, now time.Time) (WarmupState, error) {
	w, known, err := q.warmupOf(ctx, senderID)
	if err != nil || !known {
		return WarmupState{}, err
	}
	out := WarmupState{StartedAt: w.StartedAt, Reason: w.Reason}
	limit, day, nextDay, ok := q.allowance(w.StartedAt, now)
	if !ok {
		return out, nil
	}
	p, err := q.PortfolioOf(ctx, senderID)
	if err != nil {
		return out, err
	}
	used, next, err := q.st.SenderReach(ctx, p, senderID, now)
	if err != nil {
		return out, fmt.Errorf("limits: %w", err)
	}
	out.Active, out.Day, out.Allowance, out.Used = true, day, limit, used
	out.NextRelease = nextDay
	if used >= limit && !next.IsZero() && next.Before(nextDay) {
		out.NextRelease = next
	}
	out.Ends = w.StartedAt.Add(time.Duration(len(q.curve)) * 24 * time.Hour)
	return out, nil
}

// warmupReleases is how a warming sender's allowance grows from now, for
// the forecast: each later day of the curve adds its step over the day
// before (a recipient leaving the window frees a place too, which the
// portfolio's releases already stand for).
func (q *Quota) warmupReleases(ws WarmupState) []Release {
	if !ws.Active {
		return nil
	}
	var out []Release
	for d := ws.Day; d < len(q.curve); d++ {
		if step := q.curve[d] - q.curve[d-1]; step > 0 {
			out = append(out, Release{At: ws.StartedAt.Add(time.Duration(d) * 24 * time.Hour), Slots: step})
		}
	}
	return out
}
