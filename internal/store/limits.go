package store

import (
	"context"
	"time"
)

// ReachWindow is the moving period over which Meta counts a business
// portfolio's unique recipients of business-initiated messages.
const ReachWindow = 24 * time.Hour

// SenderHealth is what the gateway last learned of a sender from Meta (the
// Graph API's phone-number fields, or a webhook): Meta's own values, kept as
// Meta spelled them, empty when never heard.
type SenderHealth struct {
	PhoneNumberID string
	PortfolioID   string
	Quality       string // quality_rating: GREEN, YELLOW, RED, UNKNOWN
	Status        string // status: CONNECTED, RESTRICTED, …
	Health        string // health_status.can_send_message: AVAILABLE, LIMITED, BLOCKED
	Tier          string // whatsapp_business_manager_messaging_limit: TIER_2K, …
	Throughput    string // throughput.level: STANDARD, HIGH, …
	UpdatedAt     time.Time
}

// Portfolio is a business portfolio and the messaging-limit tier Meta last
// gave it; the limit is shared by all its numbers.
type Portfolio struct {
	ID        string
	Tier      string
	UpdatedAt time.Time
}

// Reach is a portfolio's use of its messaging limit at a moment.
type Reach struct {
	// Used is how many unique recipients were reached outside an open
	// window in the ReachWindow before the moment.
	Used int
	// NextRelease is when the oldest of them leaves the window and frees a
	// slot; zero when none is used.
	NextRelease time.Time
	// Counted reports that the recipient asked about already counts in the
	// window: reaching them again takes no slot.
	Counted bool
	// Granted reports, for ReserveReach, that the recipient now counts
	// (already did, or took a free slot).
	Granted bool
	// SenderUsed is, for ReserveReach with a SenderID, how many of the
	// counted recipients that sender reached last; SenderNextRelease is
	// when the oldest of them leaves the window (zero when none).
	SenderUsed        int
	SenderNextRelease time.Time
	// SenderFull reports, for ReserveReach, that the recipient was refused
	// for the sender's own allowance (its warm-up), not the portfolio's.
	SenderFull bool
}

// ReachRequest asks for a slot of a portfolio's messaging limit for one
// recipient, right before a business-initiated message goes out.
type ReachRequest struct {
	PortfolioID string
	WaID        string
	MessageID   string // the gateway's id of the message taking the slot
	Limit       int    // the portfolio's limit; < 0 means unlimited
	Now         time.Time
	// SenderID is the number sending; the recipient is counted as its
	// reach. SenderLimit, when positive, caps the recipients that sender
	// reaches in the window (its warm-up allowance): a recipient it has
	// not reached in the window is refused when it already reached that
	// many, even when the portfolio has room or counts them already.
	SenderID    string
	SenderLimit int
}

// Warmup is when a sender's warm-up began: its daily business-initiated
// volume ramps along the configured curve from then.
type Warmup struct {
	PhoneNumberID string
	StartedAt     time.Time
	// Reason says why it (re)started: first_seen, onboarding,
	// restriction_lifted, operator, established.
	Reason    string
	UpdatedAt time.Time
}

// Limits holds portfolios, the health of senders, and each portfolio's
// reach: one row per recipient reached outside an open window, with the
// last time they were reached, so that a recipient counts once per moving
// 24 hours and the count is exact across replicas and restarts.
type Limits interface {
	// PutSenderHealth inserts or replaces a sender's health.
	PutSenderHealth(ctx context.Context, h SenderHealth) error
	// GetSenderHealth returns a sender's health (ErrNotFound when never
	// recorded).
	GetSenderHealth(ctx context.Context, phoneNumberID string) (SenderHealth, error)
	// PutPortfolio inserts or replaces a portfolio.
	PutPortfolio(ctx context.Context, p Portfolio) error
	// GetPortfolio returns a portfolio (ErrNotFound when never recorded).
	GetPortfolio(ctx context.Context, id string) (Portfolio, error)
	// ReserveReach takes a slot for the recipient atomically: a recipient
	// already counted is granted without a new slot (and their last reach
	// moves to Now); a new one is granted while fewer than Limit count, and
	// refused otherwise. Concurrent calls for one portfolio, from any
	// replica, never grant more than Limit recipients in a window.
	ReserveReach(ctx context.Context, r ReachRequest) (Reach, error)
	// ReserveReaches is ReserveReach for several recipients of one
	// portfolio in one transaction (one lock), decided in order: the
	// reservation of a whole dispatcher claim. Every request must name the
	// same PortfolioID; the answers are in the requests' order.
	ReserveReaches(ctx context.Context, rs []ReachRequest) ([]Reach, error)
	// ReleaseReach gives back the slot messageID took, when that message
	// did not reach the person; a slot since used again by another message
	// is kept.
	ReleaseReach(ctx context.Context, portfolioID, waID, messageID string) error
	// PortfolioReach reads the portfolio's use at now, and whether waID
	// ("" for none) already counts.
	PortfolioReach(ctx context.Context, portfolioID, waID string, now time.Time) (Reach, error)
	// SenderReach reads how many of the portfolio's counted recipients the
	// sender reached last at now, and when the oldest of them leaves the
	// window (zero when none).
	SenderReach(ctx context.Context, portfolioID, senderID string, now time.Time) (used int, next time.Time, err error)
	// StartWarmup (re)starts a sender's warm-up at w.StartedAt, replacing
	// any earlier one.
	StartWarmup(ctx context.Context, w Warmup) error
	// EnsureWarmup records w unless the sender has a warm-up already, and
	// returns the sender's warm-up as stored.
	EnsureWarmup(ctx context.Context, w Warmup) (Warmup, error)
	// GetWarmup returns a sender's warm-up (ErrNotFound when none was ever
	// recorded).
	GetWarmup(ctx context.Context, phoneNumberID string) (Warmup, error)
}
