package limits

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// PhoneFields is what a sync asks GET /{phone_number_id} for.
var PhoneFields = []string{"quality_rating", "status", "health_status", "throughput", "whatsapp_business_manager_messaging_limit"}

// LegacyPhoneFields is asked for when Graph refuses PhoneFields (an API
// version before whatsapp_business_manager_messaging_limit answers 100).
var LegacyPhoneFields = []string{"quality_rating", "status", "throughput", "messaging_limit_tier"}

// PhoneReader reads a phone number's fields from the Graph API.
type PhoneReader interface {
	PhoneNumber(ctx context.Context, token, phoneNumberID string, fields []string) (*wire.PhoneNumberInfo, error)
}

// SyncSender is a sender to read and the token that reads it.
type SyncSender struct {
	PhoneNumberID string
	WABAID        string
	Token         string
}

// DefaultSyncEvery is how often senders are read again.
const DefaultSyncEvery = 15 * time.Minute

// Syncer reads each sender's quality, status, health, throughput and its
// portfolio's messaging limit from the Graph API, at start and then
// periodically; webhooks update the same state in between.
type Syncer struct {
	q       *Quota
	reader  PhoneReader
	senders func(ctx context.Context) ([]SyncSender, error)
	every   time.Duration
	log     *slog.Logger
}

// NewSyncer returns a Syncer (every ≤ 0 is DefaultSyncEvery).
func NewSyncer(q *Quota, r PhoneReader, senders func(ctx context.Context) ([]SyncSender, error), every time.Duration, log *slog.Logger) *Syncer {
	if every <= 0 {
		every = DefaultSyncEvery
	}
	if log == nil {
		log = slog.Default()
	}
	return &Syncer{q: q, reader: r, senders: senders, every: every, log: log}
}

// SyncSender reads one sender and records what Meta said. Missing fields
// keep what was known; an unknown tier is SafeTier.
func (s *Syncer) SyncSender(ctx context.Context, snd SyncSender) error {
	info, err := s.reader.PhoneNumber(ctx, snd.Token, snd.PhoneNumberID, PhoneFields)
	var we *wire.Error
	if errors.As(err, &we) && we.Code == wire.CodeInvalidParameter {
		info, err = s.reader.PhoneNumber(ctx, snd.Token, snd.PhoneNumberID, LegacyPhoneFields)
	}
	if err != nil {
		return fmt.Errorf("limits: read sender %s: %w", snd.PhoneNumberID, err)
	}
	now := s.q.now()
	portfolio := s.q.PortfolioOfWABA(snd.WABAID)
	limit := info.MessagingLimit
	if limit == "" {
		limit = info.MessagingLimitTier
	}
	tier := ""
	if limit != "" {
		if tier, err = s.q.SetTier(ctx, portfolio, limit, now); err != nil {
			return err
		}
	}
	return s.q.updateHealth(ctx, snd.PhoneNumberID, portfolio, now, func(h *store.SenderHealth) {
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&h.Quality, info.QualityRating)
		set(&h.Status, info.Status)
		set(&h.Tier, tier)
		if info.Throughput != nil {
			set(&h.Throughput, info.Throughput.Level)
		}
		if info.HealthStatus != nil {
			set(&h.Health, info.HealthStatus.CanSendMessage)
		}
	})
}

// SyncAll reads every sender; one that fails is logged and the others are
// read all the same.
func (s *Syncer) SyncAll(ctx context.Context) error {
	list, err := s.senders(ctx)
	if err != nil {
		return fmt.Errorf("limits: senders to sync: %w", err)
	}
	var errs []error
	for _, snd := range list {
		if err := s.SyncSender(ctx, snd); err != nil {
			s.log.Warn("limits: sender not synced", "phone_number_id", snd.PhoneNumberID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run syncs at once and then every period until ctx ends.
func (s *Syncer) Run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		_ = s.SyncAll(ctx) // logged per sender
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
