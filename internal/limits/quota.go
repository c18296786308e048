package limits

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Store is what the quota reads and writes.
type Store interface {
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
	GetPortfolio(ctx context.Context, id string) (store.Portfolio, error)
	PutPortfolio(ctx context.Context, p store.Portfolio) error
	GetSenderHealth(ctx context.Context, phoneNumberID string) (store.SenderHealth, error)
	PutSenderHealth(ctx context.Context, h store.SenderHealth) error
	ReserveReach(ctx context.Context, r store.ReachRequest) (store.Reach, error)
	ReserveReaches(ctx context.Context, rs []store.ReachRequest) ([]store.Reach, error)
	SenderReach(ctx context.Context, portfolioID, senderID string, now time.Time) (int, time.Time, error)
	StartWarmup(ctx context.Context, w store.Warmup) error
	EnsureWarmup(ctx context.Context, w store.Warmup) (store.Warmup, error)
	GetWarmup(ctx context.Context, phoneNumberID string) (store.Warmup, error)
	ReleaseReach(ctx context.Context, portfolioID, waID, messageID string) error
	PortfolioReach(ctx context.Context, portfolioID, waID string, now time.Time) (store.Reach, error)
}

// Portfolio is a business portfolio as configured: its WABAs, the tier it
// starts at until Meta says otherwise, and an optional cap below Meta's
// limit.
type Portfolio struct {
	ID    string
	WABAs []string
	// Tier is the tier assumed until the Graph API or a webhook tells the
	// real one ("" is SafeTier).
	Tier string
	// Cap, when positive, keeps the portfolio under this many recipients
	// even when Meta allows more (headroom for sends made outside the
	// gateway).
	Cap int
}

// MaxCap is the largest configured cap taken as meant: above it (and below
// zero) a cap is a mistake, logged and ignored, and Meta's limit alone
// holds.
const MaxCap = 10_000_000

// tierTTL bounds how long a portfolio's tier is served from memory: the
// time another replica's update takes to be seen here.
const tierTTL = 5 * time.Second

// reachTTL bounds how long a portfolio's count of reached recipients is
// served from memory to the messaging-limit rule's facts. Counting is a
// scan of the portfolio's moving 24 hours (100,000 rows at TIER_100K), and
// the facts are read for every template; the reservation right before the
// send counts exactly, so a count a second old only decides whether a
// message waits or is tried.
const reachTTL = time.Second

// Config wires a Quota.
type Config struct {
	Store      Store
	Portfolios []Portfolio
	Logger     *slog.Logger
	Now        func() time.Time
	// Warmup is the warm-up curve of new numbers.
	Warmup WarmupConfig
}

// Quota is the business-portfolio messaging limit: how many unique
// recipients of business-initiated messages outside an open window each
// portfolio reached in the moving 24 hours, shared by all its numbers,
// counted in the store so that replicas and restarts agree.
type Quota struct {
	st     Store
	log    *slog.Logger
	now    func() time.Time
	byWABA map[string]string
	conf   map[string]Portfolio
	warm   WarmupConfig
	curve  []int

	mu      sync.Mutex
	senders map[string]string // phone number id → portfolio id
	tiers   map[string]cachedTier
	warmups map[string]cachedWarmup
	reaches map[string]cachedReach // portfolio id → its last count
}

type cachedReach struct {
	used int
	next time.Time // when the oldest counted recipient leaves the window
	read time.Time
}

type cachedTier struct {
	tier  string
	until time.Time
}

// New builds a Quota. Portfolios with a bad cap or tier are logged and made
// safe: a bad cap is ignored, a bad tier is SafeTier.
func New(cfg Config) *Quota {
	q := &Quota{st: cfg.Store, log: cfg.Logger, now: cfg.Now, byWABA: map[string]string{}, conf: map[string]Portfolio{},
		senders: map[string]string{}, tiers: map[string]cachedTier{}, warmups: map[string]cachedWarmup{}, reaches: map[string]cachedReach{}, warm: cfg.Warmup}
	if q.log == nil {
		q.log = slog.Default()
	}
	q.curve = cfg.Warmup.Curve
	if q.curve == nil {
		q.curve = DefaultCurve
	} else if !validCurve(q.curve) {
		q.log.Warn("limits: warm-up curve has a day that is not a positive number, using the default", "curve", q.curve, "default", DefaultCurve)
		q.curve = DefaultCurve
	}
	q.curve = append([]int(nil), q.curve...)
	if q.now == nil {
		q.now = time.Now
	}
	for _, p := range cfg.Portfolios {
		if p.Cap < 0 || p.Cap > MaxCap {
			q.log.Warn("limits: portfolio cap out of range, ignored; Meta's limit holds", "portfolio", p.ID, "cap", p.Cap)
			p.Cap = 0
		}
		if p.Tier != "" {
			if t, _, ok := ParseTier(p.Tier); ok {
				p.Tier = t
			} else {
				q.log.Warn("limits: unknown configured tier, assuming the lowest", "portfolio", p.ID, "tier", p.Tier, "assumed", SafeTier)
				p.Tier = SafeTier
			}
		}
		q.conf[p.ID] = p
		for _, w := range p.WABAs {
			q.byWABA[w] = p.ID
		}
	}
	return q
}

// PortfolioOfWABA returns the portfolio a WABA belongs to. A WABA no
// configured portfolio names counts on its own, as "waba:<id>".
func (q *Quota) PortfolioOfWABA(wabaID string) string {
	if p, ok := q.byWABA[wabaID]; ok {
		return p
	}
	return "waba:" + wabaID
}

// PortfolioOf returns the portfolio of a sender.
func (q *Quota) PortfolioOf(ctx context.Context, phoneNumberID string) (string, error) {
	q.mu.Lock()
	p, ok := q.senders[phoneNumberID]
	q.mu.Unlock()
	if ok {
		return p, nil
	}
	s, err := q.st.GetSender(ctx, phoneNumberID)
	if err != nil {
		return "", fmt.Errorf("limits: sender %s: %w", phoneNumberID, err)
	}
	p = q.PortfolioOfWABA(s.WABAID)
	q.mu.Lock()
	q.senders[phoneNumberID] = p
	q.mu.Unlock()
	return p, nil
}

// Tier returns a portfolio's tier and the limit in force: Meta's tier as
// last stored (else the configured one, else SafeTier), lowered to the
// configured cap.
func (q *Quota) Tier(ctx context.Context, portfolioID string) (string, int, error) {
	now := q.now()
	q.mu.Lock()
	c, ok := q.tiers[portfolioID]
	q.mu.Unlock()
	tier := c.tier
	if !ok || !now.Before(c.until) {
		tier = q.conf[portfolioID].Tier
		p, err := q.st.GetPortfolio(ctx, portfolioID)
		switch {
		case err == nil && p.Tier != "":
			tier = p.Tier
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return "", 0, fmt.Errorf("limits: portfolio %s: %w", portfolioID, err)
		}
		if tier == "" {
			tier = SafeTier
		}
		q.mu.Lock()
		q.tiers[portfolioID] = cachedTier{tier: tier, until: now.Add(tierTTL)}
		q.mu.Unlock()
	}
	limit := LimitOf(tier)
	if cp := q.conf[portfolioID].Cap; cp > 0 && (limit == Unlimited || cp < limit) {
		limit = cp
	}
	return tier, limit, nil
}

// SetTier records the tier Meta gave a portfolio (from the Graph API or a
// webhook). A value it cannot read is logged and recorded as SafeTier: an
// unknown value makes the gateway slower, never faster.
func (q *Quota) SetTier(ctx context.Context, portfolioID, value string, at time.Time) (string, error) {
	tier, _, ok := ParseTier(value)
	if !ok {
		q.log.Warn("limits: unknown messaging limit from Meta, assuming the lowest", "portfolio", portfolioID,
			"value", value, "assumed", SafeTier)
		tier = SafeTier
	}
	if err := q.st.PutPortfolio(ctx, store.Portfolio{ID: portfolioID, Tier: tier, UpdatedAt: at}); err != nil {
		return "", fmt.Errorf("limits: %w", err)
	}
	q.mu.Lock()
	q.tiers[portfolioID] = cachedTier{tier: tier, until: q.now().Add(tierTTL)}
	q.mu.Unlock()
	return tier, nil
}

// Usage is a portfolio's messaging limit and its use.
type Usage struct {
	Portfolio   string    `json:"portfolio_id"`
	Tier        string    `json:"tier"`
	Limit       int       `json:"limit"` // -1: unlimited
	Used        int       `json:"used"`
	NextRelease time.Time `json:"next_release,omitzero"`
}

// Usage reads a portfolio's use at now.
func (q *Quota) Usage(ctx context.Context, portfolioID string, now time.Time) (Usage, error) {
	tier, limit, err := q.Tier(ctx, portfolioID)
	if err != nil {
		return Usage{}, err
	}
	r, err := q.st.PortfolioReach(ctx, portfolioID, "", now)
	if err != nil {
		return Usage{}, fmt.Errorf("limits: %w", err)
	}
	return Usage{Portfolio: portfolioID, Tier: tier, Limit: limit, Used: r.Used, NextRelease: r.NextRelease}, nil
}

// Facts reads the quota facts of a message from senderID to who, for the
// messaging-limit rule. The rule compares the portfolio's count with its
// limit and asks whether who already counts only when the limit is
// reached: an unlimited portfolio reads nothing, the count comes from
// memory for up to reachTTL, and only a portfolio that looks full is read
// again, exactly, with who's own row.
func (q *Quota) Facts(ctx context.Context, senderID, who string, now time.Time) (*policy.QuotaFacts, error) {
	p, err := q.PortfolioOf(ctx, senderID)
	if err != nil {
		return nil, err
	}
	tier, limit, err := q.Tier(ctx, p)
	if err != nil {
		return nil, err
	}
	f := &policy.QuotaFacts{Portfolio: p, Tier: tier, Limit: limit}
	if limit < 0 {
		return f, nil
	}
	c, ok := q.cachedReach(p, now)
	if ok && c.used < limit {
		f.Used, f.NextRelease = c.used, c.next
		return f, nil
	}
	r, err := q.st.PortfolioReach(ctx, p, who, now)
	if err != nil {
		return nil, fmt.Errorf("limits: %w", err)
	}
	q.keepReach(p, r.Used, r.NextRelease, now)
	f.Used, f.NextRelease, f.Counted = r.Used, r.NextRelease, r.Counted
	return f, nil
}

// cachedReach returns portfolio p's count read less than reachTTL before
// now, unless a counted recipient has left the window since.
func (q *Quota) cachedReach(p string, now time.Time) (cachedReach, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c, ok := q.reaches[p]
	if !ok || now.Before(c.read) || now.Sub(c.read) >= reachTTL || (!c.next.IsZero() && !now.Before(c.next)) {
		return cachedReach{}, false
	}
	return c, true
}

// keepReach remembers portfolio p's count as read (or as a reservation
// left it) at now.
func (q *Quota) keepReach(p string, used int, next, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reaches[p] = cachedReach{used: used, next: next, read: now}
}

// Reserve takes a slot of the sender's portfolio for who, right before
// messageID goes out. It reports whether the message may go, with the
// facts as they stand after the attempt.
func (q *Quota) Reserve(ctx context.Context, senderID, who, messageID string, now time.Time) (*policy.QuotaFacts, bool, error) {
	out, err := q.ReserveBatch(ctx, senderID, []Ask{{WaID: who, MessageID: messageID}}, now)
	if err != nil {
		return nil, false, err
	}
	return out[0].Facts, out[0].OK, nil
}

// Ask is one recipient of a batch reservation.
type Ask struct {
	WaID, MessageID string
}

// Answer is the reservation of one Ask: OK when the message may go, with
// the facts as they stood after it (a warming sender's full allowance
// included).
type Answer struct {
	Facts *policy.QuotaFacts
	OK    bool
}

// ReserveBatch takes the slots of several messages of one sender in one
// store transaction (one lock of the portfolio), in order: the
// reservation of a whole dispatcher claim. A warming sender's allowance
// holds alongside the portfolio's limit; a message refused for it gets
// WarmupFull facts, deferred until the allowance frees.
func (q *Quota) ReserveBatch(ctx context.Context, senderID string, asks []Ask, now time.Time) ([]Answer, error) {
	if len(asks) == 0 {
		return nil, nil
	}
	p, err := q.PortfolioOf(ctx, senderID)
	if err != nil {
		return nil, err
	}
	tier, limit, err := q.Tier(ctx, p)
	if err != nil {
		return nil, err
	}
	senderCap, nextDay, err := q.senderLimit(ctx, senderID, now)
	if err != nil {
		return nil, err
	}
	reqs := make([]store.ReachRequest, len(asks))
	for i, a := range asks {
		reqs[i] = store.ReachRequest{PortfolioID: p, WaID: a.WaID, MessageID: a.MessageID, Limit: limit, Now: now,
			SenderID: senderID, SenderLimit: senderCap}
	}
	rs, err := q.st.ReserveReaches(ctx, reqs)
	if err != nil {
		return nil, fmt.Errorf("limits: %w", err)
	}
	if n := len(rs); n > 0 {
		q.keepReach(p, rs[n-1].Used, rs[n-1].NextRelease, now)
	}
	out := make([]Answer, len(rs))
	for i, r := range rs {
		f := &policy.QuotaFacts{Portfolio: p, Tier: tier, Limit: limit, Used: r.Used, NextRelease: r.NextRelease, Counted: r.Granted}
		if r.SenderFull {
			// The allowance frees when the oldest of the sender's
			// recipients leaves the window, or when the curve's next day
			// starts, whichever comes first.
			until := nextDay
			if !r.SenderNextRelease.IsZero() && (until.IsZero() || r.SenderNextRelease.Before(until)) {
				until = r.SenderNextRelease
			}
			f.WarmupFull, f.WarmupUntil = true, until
		}
		out[i] = Answer{Facts: f, OK: r.Granted}
	}
	return out, nil
}

// Release gives back the slot messageID took when it did not reach the
// person (Meta counts recipients it delivered to).
func (q *Quota) Release(ctx context.Context, senderID, who, messageID string) error {
	p, err := q.PortfolioOf(ctx, senderID)
	if err != nil {
		return err
	}
	if err := q.st.ReleaseReach(ctx, p, who, messageID); err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	return nil
}
