// Package dispatch sends the outbox to Meta: one paced loop per sender, each
// owned by one replica at a time through a lease, claiming due messages in
// batches, sending them concurrently under the sender's throughput and
// recording outcomes in batches. Failures are classified by Graph code
// (retry.go) into retries, reschedules, sender stops and final failures.
//
// Duplicate bound: when a replica takes over a sender it first returns every
// in-flight message to the queue, so a message the previous owner sent but
// whose outcome it did not record goes out again. At most ClaimBatch plus
// MaxInFlight messages per sender can be sent twice this way.
package dispatch

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Store is the part of store.Store the dispatcher uses.
type Store interface {
	ClaimMessages(ctx context.Context, senderID string, now time.Time, limit int, lease time.Duration) ([]store.Message, error)
	RequeueInFlight(ctx context.Context, senderID string) (int, error)
	RecordOutcomes(ctx context.Context, outcomes []store.Outcome, forwards []store.Forward) error
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
	ListSenders(ctx context.Context) ([]store.Sender, error)
	SetSenderState(ctx context.Context, phoneNumberID string, state store.SenderState, code int, reason string, at time.Time) error
	SendersWithDueMessages(ctx context.Context, now time.Time) ([]string, error)
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, owner string) error
}

// Upstream sends one message to Meta; *cloudapi.Client satisfies it.
type Upstream interface {
	Send(ctx context.Context, token, phoneNumberID string, body []byte) (*wire.SendResponse, error)
}

// Config tunes a Manager. Zero fields take the defaults in their comments.
type Config struct {
	// Owner identifies this replica in leases (required with several
	// replicas; default "local").
	Owner string
	// LeaseTTL is how long a sender's lease lasts without renewal (15 s).
	LeaseTTL time.Duration
	// ClaimBatch bounds messages claimed per transaction (256).
	ClaimBatch int
	// MaxInFlight bounds concurrent upstream calls per sender (64).
	MaxInFlight int
	// ClaimLease is how long a claimed message stays in flight before
	// another claim may take it (60 s).
	ClaimLease time.Duration
	// DefaultThroughput is used for senders with ThroughputMPS 0 (80).
	DefaultThroughput int
	// TokenFor returns the Meta token for a sender (default: its
	// AccessToken).
	TokenFor func(store.Sender) string
	// Now is the clock (time.Now).
	Now func() time.Time
	// Sleep waits for d or until ctx ends (a timer); tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives structured logs (slog.Default()).
	Logger *slog.Logger
	// Metrics receives counters; nil disables them.
	Metrics *metrics.Metrics
	// PollInterval is the safety-net wake-up of idle loops and the lease
	// renewal period (1 s); wake-ups come mostly from Notify.
	PollInterval time.Duration
	// FlushDelay is how long an outcome may wait for others to share its
	// transaction (5 ms).
	FlushDelay time.Duration
	// MaxAttempts and MaxAge bound retries with backoff (25 attempts, 24 h).
	MaxAttempts int
	MaxAge      time.Duration
}

func (c *Config) defaults() {
	if c.Owner == "" {
		c.Owner = "local"
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 15 * time.Second
	}
	if c.ClaimBatch <= 0 {
		c.ClaimBatch = 256
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 64
	}
	if c.ClaimLease <= 0 {
		c.ClaimLease = 60 * time.Second
	}
	if c.DefaultThroughput <= 0 {
		c.DefaultThroughput = 80
	}
	if c.TokenFor == nil {
		c.TokenFor = func(s store.Sender) string { return s.AccessToken }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.FlushDelay <= 0 {
		c.FlushDelay = 5 * time.Millisecond
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 25
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 24 * time.Hour
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Manager runs the per-sender loops of the senders this replica owns.
type Manager struct {
	st     Store
	up     Upstream
	cfg    Config
	log    *slog.Logger
	jitter func() float64

	mu      sync.Mutex
	runners map[string]*runner
}

// runner is one sender's loop as the manager sees it.
type runner struct {
	id         string
	wake       chan struct{}
	cancel     context.CancelFunc
	done       chan struct{}
	leaseUntil time.Time // touched by the manager goroutine only
	stopping   bool      // under Manager.mu

	senderMu sync.Mutex
	sender   store.Sender
}

func (r *runner) getSender() store.Sender {
	r.senderMu.Lock()
	defer r.senderMu.Unlock()
	return r.sender
}

func (r *runner) setSender(s store.Sender) {
	r.senderMu.Lock()
	r.sender = s
	r.senderMu.Unlock()
}

func (r *runner) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// New returns a Manager; call Run to start it.
func New(st Store, up Upstream, cfg Config) *Manager {
	cfg.defaults()
	return &Manager{
		st:      st,
		up:      up,
		cfg:     cfg,
		log:     cfg.Logger.With("component", "dispatch", "owner", cfg.Owner),
		jitter:  defaultJitter,
		runners: make(map[string]*runner),
	}
}

func leaseName(senderID string) string { return "sender:" + senderID }

// Run owns and runs sender loops until ctx ends: every PollInterval it lists
// senders, acquires or renews their leases, starts loops for newly owned
// active senders (after returning their in-flight messages to the queue)
// and stops loops of senders it lost or that were stopped. On return every
// loop has ended and its lease is released. It returns nil when ctx ends.
func (m *Manager) Run(ctx context.Context) error {
	defer m.stopAll()
	t := time.NewTicker(m.cfg.PollInterval)
	defer t.Stop()
	for {
		m.tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// tick is one round of lease keeping.
func (m *Manager) tick(ctx context.Context) {
	now := m.cfg.Now()
	senders, err := m.st.ListSenders(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("list senders", "err", err)
		}
		m.expireUnrenewed(now)
		return
	}
	seen := make(map[string]bool, len(senders))
	for _, s := range senders {
		seen[s.PhoneNumberID] = true
		m.reconcile(ctx, s, now)
	}
	m.mu.Lock()
	var gone []*runner
	for id, r := range m.runners {
		if !seen[id] {
			gone = append(gone, r)
		}
	}
	m.mu.Unlock()
	for _, r := range gone {
		m.stop(r)
	}
	// Safety net for retries that came due without anyone notifying.
	due, err := m.st.SendersWithDueMessages(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("senders with due messages", "err", err)
		}
		return
	}
	for _, id := range due {
		m.Notify(id)
	}
}

// reconcile makes this replica's loop for s match its state and lease.
func (m *Manager) reconcile(ctx context.Context, s store.Sender, now time.Time) {
	id := s.PhoneNumberID
	m.mu.Lock()
	r := m.runners[id]
	if r != nil && r.exited() {
		delete(m.runners, id)
		r = nil
	}
	stopping := r != nil && r.stopping
	m.mu.Unlock()
	if stopping {
		return // wait for the old loop to finish before anything new
	}
	if s.State == store.SenderStopped {
		if r != nil {
			m.stop(r)
		}
		return
	}
	ok, err := m.st.AcquireLease(ctx, leaseName(id), m.cfg.Owner, now, m.cfg.LeaseTTL)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("acquire lease", "sender", id, "err", err)
		}
		if r != nil && !now.Before(r.leaseUntil.Add(-m.cfg.LeaseTTL/3)) {
			m.stop(r)
		}
		return
	}
	if !ok {
		if r != nil {
			m.log.Warn("lease lost", "sender", id)
			m.stop(r)
		}
		return
	}
	if r != nil {
		r.leaseUntil = now.Add(m.cfg.LeaseTTL)
		r.setSender(s)
		return
	}
	// Newly owned: whatever a previous owner left in flight goes out again.
	n, err := m.st.RequeueInFlight(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("requeue in-flight", "sender", id, "err", err)
		}
		return // the lease is kept; next tick tries again
	}
	m.log.Info("sender owned", "sender", id, "requeued", n)
	m.start(ctx, s, now)
}

func (m *Manager) start(ctx context.Context, s store.Sender, now time.Time) {
	rctx, cancel := context.WithCancel(ctx)
	r := &runner{
		id:         s.PhoneNumberID,
		wake:       make(chan struct{}, 1),
		cancel:     cancel,
		done:       make(chan struct{}),
		leaseUntil: now.Add(m.cfg.LeaseTTL),
		sender:     s,
	}
	r.wake <- struct{}{} // look for work at once
	m.mu.Lock()
	m.runners[r.id] = r
	m.mu.Unlock()
	go m.runSender(rctx, r)
}

// stop cancels r's loop and releases its lease once the loop has ended,
// without blocking the manager on in-flight sends.
func (m *Manager) stop(r *runner) {
	m.mu.Lock()
	if r.stopping {
		m.mu.Unlock()
		return
	}
	r.stopping = true
	m.mu.Unlock()
	r.cancel()
	go func() {
		<-r.done
		m.release(r.id)
	}()
}

func (m *Manager) release(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.st.ReleaseLease(ctx, leaseName(id), m.cfg.Owner); err != nil {
		m.log.Warn("release lease", "sender", id, "err", err)
	}
}

// expireUnrenewed stops loops whose lease may lapse before the next renewal.
func (m *Manager) expireUnrenewed(now time.Time) {
	m.mu.Lock()
	var late []*runner
	for _, r := range m.runners {
		if !now.Before(r.leaseUntil.Add(-m.cfg.LeaseTTL / 3)) {
			late = append(late, r)
		}
	}
	m.mu.Unlock()
	for _, r := range late {
		m.stop(r)
	}
}

func (m *Manager) stopAll() {
	m.mu.Lock()
	rs := make([]*runner, 0, len(m.runners))
	for _, r := range m.runners {
		rs = append(rs, r)
	}
	m.runners = make(map[string]*runner)
	m.mu.Unlock()
	for _, r := range rs {
		r.cancel()
	}
	for _, r := range rs {
		<-r.done
		m.release(r.id)
	}
}

// Notify wakes the loop of senderID after new messages were committed. It
// never blocks; it does nothing when this replica does not own the sender.
func (m *Manager) Notify(senderID string) {
	m.mu.Lock()
	r := m.runners[senderID]
	m.mu.Unlock()
	if r == nil {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Owned returns the ids of the senders whose loops run here, sorted.
func (m *Manager) Owned() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.runners))
	for id, r := range m.runners {
		if !r.stopping && !r.exited() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (m *Manager) throughput(s store.Sender) int {
	if s.ThroughputMPS > 0 {
		return s.ThroughputMPS
	}
	return m.cfg.DefaultThroughput
}
