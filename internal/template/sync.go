package template

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Fields is what a sync asks GET /{waba_id}/message_templates for.
var Fields = []string{"id", "name", "language", "status", "category", "parameter_format", "components", "quality_score", "rejected_reason"}

// BasicFields is what a sync asks for again when Graph refuses Fields (an
// API version without one of them answers with error 100): without
// parameter_format the format is inferred from the variables, without
// quality_score the quality is left unknown.
var BasicFields = []string{"id", "name", "language", "status", "category", "components"}

// Lister lists a WABA's templates from the Graph API, every page of them.
type Lister interface {
	ListTemplates(ctx context.Context, token, wabaID string, fields []string) ([]wire.MessageTemplate, error)
}

// Account is a WABA to sync and the token that reads it.
type Account struct {
	WABAID string
	Token  string
}

// Defaults of SyncConfig.
const (
	DefaultSyncEvery    = time.Hour
	DefaultRefreshEvery = 30 * time.Second
	DefaultMinResync    = 10 * time.Second
	// SyncSkew is how much earlier than its first page a listing is
	// timed. Webhooks are timed by Meta's clock and listings by ours; a
	// change Meta timed up to this much before the listing began still
	// wins over it, so a few seconds of skew cannot leave a pause
	// overwritten by the listing for a whole sync period.
	SyncSkew = time.Minute
)

// SyncConfig tunes a Syncer.
type SyncConfig struct {
	// Accounts returns the WABAs to sync (those of the configured
	// senders). Required.
	Accounts func(ctx context.Context) ([]Account, error)
	// Every is how often every WABA is listed again (default 1 h).
	Every time.Duration
	// Refresh is how often the cache is reloaded from the store to see
	// what other replicas wrote (default 30 s).
	Refresh time.Duration
	// MinResync spaces the syncs webhooks ask for, per WABA (default
	// 10 s), so a burst of webhooks about new templates costs one listing.
	MinResync time.Duration
	Logger    *slog.Logger
}

// Syncer keeps a Cache current from the Graph API: every WABA at start and
// every SyncConfig.Every, a WABA sooner when a webhook told of a template
// the cache lacks, and the whole cache reloaded from the store every
// SyncConfig.Refresh.
type Syncer struct {
	cache  *Cache
	lister Lister
	cfg    SyncConfig
	// last is when each WABA was last synced by this replica; cache.mu
	// guards it.
	last map[string]time.Time
}

// NewSyncer returns a Syncer of cache listing with lister.
func NewSyncer(cache *Cache, lister Lister, cfg SyncConfig) *Syncer {
	if cfg.Every <= 0 {
		cfg.Every = DefaultSyncEvery
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultRefreshEvery
	}
	if cfg.MinResync <= 0 {
		cfg.MinResync = DefaultMinResync
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Syncer{cache: cache, lister: lister, cfg: cfg, last: map[string]time.Time{}}
}

// SyncWABA lists one WABA's templates and replaces the cached ones with
// them. The listing is timed SyncSkew before its first page, so a webhook
// applied while it runs is not undone by it. It returns how many
// templates the WABA has.
func (s *Syncer) SyncWABA(ctx context.Context, a Account) (int, error) {
	c := s.cache
	startedAt := c.now()
	asOf := startedAt.Add(-SyncSkew)
	list, err := s.lister.ListTemplates(ctx, a.Token, a.WABAID, Fields)
	var we *wire.Error
	if errors.As(err, &we) && we.Code == wire.CodeInvalidParameter {
		s.cfg.Logger.Warn("templates: Graph refused the listing's fields; listing the basic ones", "waba", a.WABAID, "err", err)
		list, err = s.lister.ListTemplates(ctx, a.Token, a.WABAID, BasicFields)
	}
	if err != nil {
		return 0, fmt.Errorf("template: list %s: %w", a.WABAID, err)
	}
	ts := make([]store.Template, 0, len(list))
	for _, m := range list {
		if m.Name == "" || m.Language == "" {
			continue
		}
		t := store.Template{WABAID: a.WABAID, Name: m.Name, Language: m.Language, ID: m.ID,
			Category: strings.ToUpper(m.Category), Status: strings.ToUpper(m.Status),
			ParameterFormat: strings.ToLower(m.ParameterFormat), Components: m.Components}
		if m.QualityScore != nil {
			t.Quality = strings.ToUpper(m.QualityScore.Score)
		}
		if r := m.RejectedReason; r != "" && r != "NONE" {
			t.Reason = r
		}
		if string(t.Components) == "null" {
			t.Components = nil
		}
		ts = append(ts, t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.store.ReplaceTemplates(ctx, a.WABAID, ts, asOf); err != nil {
		return 0, fmt.Errorf("template: store sync of %s: %w", a.WABAID, err)
	}
	if err := c.reload(ctx, a.WABAID); err != nil {
		return 0, err
	}
	s.last[a.WABAID] = startedAt
	return len(ts), nil
}

// SyncAll syncs every account, going on past failures; it returns them
// joined.
func (s *Syncer) SyncAll(ctx context.Context) error {
	accounts, err := s.cfg.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("template: accounts: %w", err)
	}
	var errs []error
	for _, a := range accounts {
		n, err := s.SyncWABA(ctx, a)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		s.cfg.Logger.Debug("templates synced", "waba", a.WABAID, "templates", n)
	}
	return errors.Join(errs...)
}

// Run loads the cache, syncs every WABA, and keeps both up to date until
// ctx ends. Failures are logged and retried at the next turn: a stale
// cache is still a cache.
func (s *Syncer) Run(ctx context.Context) error {
	log := s.cfg.Logger
	if err := s.cache.Load(ctx); err != nil && ctx.Err() == nil {
		log.Warn("templates: load failed", "err", err)
	}
	if err := s.SyncAll(ctx); err != nil && ctx.Err() == nil {
		log.Warn("templates: sync failed", "err", err)
	}
	syncT := time.NewTicker(s.cfg.Every)
	defer syncT.Stop()
	refreshT := time.NewTicker(s.cfg.Refresh)
	defer refreshT.Stop()
	pending := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-syncT.C:
			if err := s.SyncAll(ctx); err != nil && ctx.Err() == nil {
				log.Warn("templates: sync failed", "err", err)
			}
		case <-refreshT.C:
			if err := s.cache.Load(ctx); err != nil && ctx.Err() == nil {
				log.Warn("templates: reload failed", "err", err)
			}
			s.syncPending(ctx, pending)
		case w := <-s.cache.resync:
			pending[w] = true
			s.syncPending(ctx, pending)
		}
	}
}

// syncPending syncs the WABAs webhooks asked for, each at most once per
// MinResync; the others wait for a later turn.
func (s *Syncer) syncPending(ctx context.Context, pending map[string]bool) {
drain:
	for {
		select {
		case w := <-s.cache.resync:
			pending[w] = true
		default:
			break drain
		}
	}
	if len(pending) == 0 {
		return
	}
	accounts, err := s.cfg.Accounts(ctx)
	if err != nil {
		s.cfg.Logger.Warn("templates: accounts", "err", err)
		return
	}
	now := s.cache.now()
	for _, a := range accounts {
		s.cache.mu.Lock()
		last := s.last[a.WABAID]
		s.cache.mu.Unlock()
		if !pending[a.WABAID] || now.Sub(last) < s.cfg.MinResync {
			continue
		}
		delete(pending, a.WABAID)
		if _, err := s.SyncWABA(ctx, a); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("templates: sync failed", "waba", a.WABAID, "err", err)
		}
	}
	// A WABA no sender belongs to any more is not synced.
	known := map[string]bool{}
	for _, a := range accounts {
		known[a.WABAID] = true
	}
	for w := range pending {
		if !known[w] {
			delete(pending, w)
		}
	}
}
