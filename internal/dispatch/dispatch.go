// Package dispatch sends the outbox to Meta: one paced loop per sender, each
// owned by one replica at a time through a lease, claiming due messages in
// batches, sending them concurrently under the sender's throughput and
// recording outcomes in batches. Failures are classified by Graph code
// (retry.go) into retries, reschedules, sender stops and final failures.
//
// Sharing: every replica holds a liveness lease "replica:<owner>" and the
// senders are spread evenly among the live ones (see Manager.Run); a
// replica with too many hands one over gracefully, so a replica started
// later, or a survivor of a failure, gets its part.
//
// Duplicate bound: when a replica takes over a sender it first returns every
// in-flight message to the queue, so a message the previous owner sent but
// whose outcome it did not record goes out again. A loop counts the
// messages it has claimed and not yet recorded — in flight, waiting for a
// token or a slot, or waiting in the recorder — and claims only up to
// ClaimBatch minus that count, so a sender never has more than ClaimBatch
// messages in state sending. At most ClaimBatch messages per sender can
// therefore be sent twice after a crash.
package dispatch

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	ListLeases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error)
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
	// LeaseTTL is how long a sender's lease, and this replica's liveness
	// lease, last without renewal (15 s).
	LeaseTTL time.Duration
	// MinHold is how long a replica keeps a sender it took before it may
	// hand it over to even out the spread (2 × LeaseTTL). Membership
	// looks wrong for up to one LeaseTTL after a replica dies or starts, so
	// a sender taken in that window is not moved again on the strength of
	// it.
	MinHold time.Duration
	// ClaimBatch bounds the messages of one sender claimed and not yet
	// recorded (256): the most that can be in state sending at once, and
	// so the most that can be sent twice after a crash.
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
	// SendTime is the send-time stage, asked right before each send; nil
	// sends without it.
	SendTime SendTimeCheck
	// PollInterval is the safety-net wake-up of idle loops and the lease
	// renewal period (1 s); wake-ups come mostly from Notify.
	PollInterval time.Duration
	// FlushDelay is how long an outcome may wait for others to share its
	// transaction (5 ms).
	FlushDelay time.Duration
	// ClaimLinger is how long a loop woken by Notify waits before claiming,
	// so that messages committed in the next few group commits share one
	// claim transaction instead of one each (5 ms; negative disables).
	ClaimLinger time.Duration
	// OutageHorizon is how long after acceptance a message is retried
	// through an outage (5xx, network errors, timeouts) before it fails
	// (DefaultOutageHorizon, 72 h).
	OutageHorizon time.Duration
	// ThrottleHorizon bounds retries after throttling (130429, 4, 80007,
	// 429) the same way (DefaultThrottleHorizon, 6 h).
	ThrottleHorizon time.Duration
	// PairRateHorizon bounds retries after 131056 (DefaultPairRateHorizon,
	// 6 h).
	PairRateHorizon time.Duration
	// BreakerThreshold is how many consecutive outage-class failures open
	// the upstream's circuit breaker (5); BreakerProbeMax caps the probe
	// interval while it is open (30 s). See breaker.go.
	BreakerThreshold int
	BreakerProbeMax  time.Duration
	// Backlog, when set, counts queued messages for the recovery log line.
	Backlog func(ctx context.Context) (int, error)
	// OnUpstreamChange, when set, is called when the breaker opens (false)
	// or closes (true).
	OnUpstreamChange func(up bool)
	// MaxAttempts, when positive, also fails a message retried with
	// backoff after that many attempts (0: only the horizons bound it).
	MaxAttempts int
	// RateFactor, when set, scales each sender's throughput: the risk
	// engine's slow-down and warm-up (risk.Engine.RateFactor). It is read
	// before every claim, so it must be a memory read.
	RateFactor func(phoneNumberID string) float64
	// Brakes, when set, decides what an account-level send error does to
	// the sender (the risk engine); the dispatcher only obeys. Without it
	// the dispatcher stops the sender itself, as before the engine.
	Brakes Brakes
	// PairBurst is the most messages to one recipient the pair limiter
	// plans in one burst (DefaultPairBurst, Meta's 45; 1 sends at most
	// one message per recipient per 6 s and never borrows).
	PairBurst int
}

func (c *Config) defaults() {
	if c.Owner == "" {
		c.Owner = "local"
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 15 * time.Second
	}
	if c.MinHold <= 0 {
		c.MinHold = 2 * c.LeaseTTL
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
	if c.ClaimLinger == 0 {
		c.ClaimLinger = 5 * time.Millisecond
	}
	if c.FlushDelay <= 0 {
		c.FlushDelay = 5 * time.Millisecond
	}
	if c.BreakerThreshold <= 0 {
		c.BreakerThreshold = defaultBreakerThreshold
	}
	if c.BreakerProbeMax <= 0 {
		c.BreakerProbeMax = defaultBreakerProbeMax
	}
	if c.OutageHorizon <= 0 {
		c.OutageHorizon = DefaultOutageHorizon
	}
	if c.ThrottleHorizon <= 0 {
		c.ThrottleHorizon = DefaultThrottleHorizon
	}
	if c.PairRateHorizon <= 0 {
		c.PairRateHorizon = DefaultPairRateHorizon
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
	br     *breaker

	mu      sync.Mutex
	runners map[string]*runner

	// seenFree holds the senders found without a live lease at the last
	// tick (manager goroutine only); see share.
	seenFree map[string]bool
}

// runner is one sender's loop as the manager sees it.
type runner struct {
	id         string
	wake       chan struct{}
	cancel     context.CancelFunc
	done       chan struct{}
	released   chan struct{} // closed by stop once the lease is given up
	leaseUntil time.Time     // touched by the manager goroutine only
	// fence is the unix-nano time after which the loop must not start a
	// send: the point where the manager would give the sender up unless it
	// renewed the lease. A loop starved past it (a long pause, a CPU-starved
	// replica) stops sending even before the manager notices, so a sender
	// whose lease lapsed is never sent from by two replicas at once.
	fence      atomic.Int64
	ownedSince time.Time // touched by the manager goroutine only
	stopping   bool      // under Manager.mu

	senderMu sync.Mutex
	sender   store.Sender

	// lim is the running loop's token bucket (nil between loops), for
	// Inbound.
	lim atomic.Pointer[limiter]
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

func (r *runner) exited() bool { return closed(r.done) }

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// New returns a Manager; call Run to start it.
func New(st Store, up Upstream, cfg Config) *Manager {
	cfg.defaults()
	log := cfg.Logger.With("component", "dispatch", "owner", cfg.Owner)
	return &Manager{
		br:       newBreaker(&cfg, log),
		st:       st,
		up:       up,
		cfg:      cfg,
		log:      log,
		jitter:   defaultJitter,
		runners:  make(map[string]*runner),
		seenFree: make(map[string]bool),
	}
}

// Lease name prefixes: one lease per sender (who dispatches it) and one per
// replica (that it is alive, so the others leave it its share).
const (
	senderLeasePrefix  = "sender:"
	replicaLeasePrefix = "replica:"
)

func leaseName(senderID string) string { return senderLeasePrefix + senderID }

// Run owns and runs sender loops until ctx ends. Every PollInterval it
// renews this replica's liveness lease, lists senders and leases, renews the
// leases of its senders, and stops loops of senders it lost or that were
// stopped. It then evens out the spread among the live replicas: with n
// live replicas and a active senders, it takes free senders (lowest ids
// first) while it owns fewer than ceil(a/n) — first come the replicas that
// own the fewest — and, once no sender is free, the replica owning the most
// hands one over when it owns at least two more than another live replica:
// its highest id among those it has held for MinHold, one per tick, and
// only after the previous one has been taken. Handing
// over stops the loop gracefully (in-flight sends finish and are recorded,
// claimed but unsent messages go back to the queue) before the lease is
// released. A newly owned sender's in-flight messages are returned to the
// queue before its loop starts. Alone, a replica owns every active sender.
//
// On return every loop has ended and every lease, the liveness lease
// included, is released. It returns nil when ctx ends.
func (m *Manager) Run(ctx context.Context) error {
	defer func() {
		m.stopAll()
		m.releaseLease(replicaLeasePrefix + m.cfg.Owner)
	}()
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
	slices.SortFunc(senders, func(a, b store.Sender) int { return strings.Compare(a.PhoneNumberID, b.PhoneNumberID) })
	v, err := m.view(ctx, now)
	if err != nil && ctx.Err() == nil {
		// Without the view this replica only keeps what it runs.
		m.log.Warn("list leases", "err", err)
	}
	seen := make(map[string]bool, len(senders))
	for _, s := range senders {
		seen[s.PhoneNumberID] = true
		m.keep(ctx, s, now, v)
	}
	m.mu.Lock()
	var gone []*runner
	for id, r := range m.runners {
		if !seen[id] {
			if r.stopping && closed(r.released) {
				delete(m.runners, id)
				continue
			}
			gone = append(gone, r)
		}
	}
	m.mu.Unlock()
	for _, r := range gone {
		m.stop(r)
	}
	if v != nil {
		m.share(ctx, senders, v, now)
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

// leaseView is who holds what, as the store says at the start of a tick.
type leaseView struct {
	replicas []string          // live replicas, this one included, sorted
	owner    map[string]string // sender id → owner of its live lease
}

// view renews this replica's liveness lease and reads the live leases. The
// liveness lease is renewed before the senders' so that, when a replica
// dies, it lapses first: the survivors then count one replica less by the
// time its senders come free, and take them.
func (m *Manager) view(ctx context.Context, now time.Time) (*leaseView, error) {
	self := replicaLeasePrefix + m.cfg.Owner
	if _, err := m.st.AcquireLease(ctx, self, m.cfg.Owner, now, m.cfg.LeaseTTL); err != nil {
		return nil, err
	}
	reps, err := m.st.ListLeases(ctx, replicaLeasePrefix, now)
	if err != nil {
		return nil, err
	}
	sls, err := m.st.ListLeases(ctx, senderLeasePrefix, now)
	if err != nil {
		return nil, err
	}
	v := &leaseView{replicas: []string{m.cfg.Owner}, owner: make(map[string]string, len(sls))}
	for _, l := range reps {
		if l.Owner != m.cfg.Owner {
			v.replicas = append(v.replicas, l.Owner)
		}
	}
	slices.Sort(v.replicas)
	v.replicas = slices.Compact(v.replicas)
	for _, l := range sls {
		v.owner[strings.TrimPrefix(l.Name, senderLeasePrefix)] = l.Owner
	}
	return v, nil
}

// keep makes this replica's loop for s match its state and lease: it renews
// the lease of a sender it runs, restarts the loop of a sender whose lease
// it holds (a loop that ended on its own, or a restart under the same
// name), and stops loops it must not run. Free senders are left to share.
func (m *Manager) keep(ctx context.Context, s store.Sender, now time.Time, v *leaseView) {
	id := s.PhoneNumberID
	m.mu.Lock()
	r := m.runners[id]
	if r != nil && r.stopping {
		if closed(r.released) {
			delete(m.runners, id)
		}
		m.mu.Unlock()
		// Wait for the old loop to finish before anything new; and a
		// sender just given up is not taken back on the strength of a
		// view read before its release.
		return
	}
	if r != nil && r.exited() {
		delete(m.runners, id)
		r = nil
	}
	m.mu.Unlock()
	if s.State == store.SenderStopped {
		if r != nil {
			m.stop(r)
		}
		return
	}
	if r == nil && (v == nil || v.owner[id] != m.cfg.Owner) {
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
		r.fence.Store(m.fenceFor(r.leaseUntil))
		r.setSender(s)
		return
	}
	m.own(ctx, s, now)
}

// take acquires the lease of a free sender and starts its loop; it reports
// whether the lease was won.
func (m *Manager) take(ctx context.Context, s store.Sender, now time.Time) bool {
	id := s.PhoneNumberID
	ok, err := m.st.AcquireLease(ctx, leaseName(id), m.cfg.Owner, now, m.cfg.LeaseTTL)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("acquire lease", "sender", id, "err", err)
		}
		return false
	}
	if ok {
		m.own(ctx, s, now)
	}
	return ok
}

// own starts the loop of a sender whose lease was just won.
func (m *Manager) own(ctx context.Context, s store.Sender, now time.Time) {
	id := s.PhoneNumberID
	// Newly owned: whatever a previous owner left in flight goes out again.
	n, err := m.st.RequeueInFlight(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("requeue in-flight", "sender", id, "err", err)
		}
		return // the lease is kept; the next tick tries again
	}
	m.log.Info("sender owned", "sender", id, "requeued", n)
	m.start(ctx, s, now)
}

// share evens out the spread of active senders over the live replicas, as
// described on Run.
func (m *Manager) share(ctx context.Context, senders []store.Sender, v *leaseView, now time.Time) {
	me := m.cfg.Owner
	counts := make(map[string]int, len(v.replicas))
	for _, rep := range v.replicas {
		counts[rep] = 0
	}
	var active, free []store.Sender
	for _, s := range senders {
		if s.State != store.SenderActive {
			continue
		}
		active = append(active, s)
		owner, held := v.owner[s.PhoneNumberID]
		if !held && !m.runs(s.PhoneNumberID) {
			free = append(free, s)
			continue
		}
		if _, live := counts[owner]; live && owner != me {
			counts[owner]++
		}
	}
	mine := 0
	for _, id := range m.Owned() {
		if slices.ContainsFunc(active, func(s store.Sender) bool { return s.PhoneNumberID == id }) {
			mine++
		}
	}
	counts[me] = mine
	n := len(v.replicas)
	fair := (len(active) + n - 1) / n
	fewest := -1 // fewest senders any other live replica owns; -1: alone
	for _, rep := range v.replicas {
		if rep != me && (fewest < 0 || counts[rep] < fewest) {
			fewest = counts[rep]
		}
	}

	// Take free senders up to the fair share. The replicas owning the
	// fewest go first, so a sender handed over lands with the one that
	// lacks it rather than back with its giver; a sender still free one
	// tick later is taken by anyone under the share, so a replica that
	// is alive but not taking cannot hold the others back.
	seenFree := make(map[string]bool)
	left := 0
	for _, s := range free {
		id := s.PhoneNumberID
		if mine >= fair || (fewest >= 0 && mine > fewest && !m.seenFree[id]) || !m.take(ctx, s, now) {
			seenFree[id] = true
			left++
			continue
		}
		mine++
	}
	m.seenFree = seenFree

	// Hand one sender over when this replica owns the most (ties to the
	// first name) and at least two more than another: the move narrows the
	// spread without ever swapping roles, so it cannot flap. Nothing moves
	// while a sender is free or a hand-over is still under way: one move at
	// a time, each decided on a settled view.
	if fewest < 0 || left > 0 || m.handingOver() || mine < fewest+2 || mine <= len(active)/n {
		return
	}
	for _, rep := range v.replicas {
		if rep != me && (counts[rep] > mine || counts[rep] == mine && rep < me) {
			return
		}
	}
	var give *runner
	m.mu.Lock()
	for id, r := range m.runners {
		if r.stopping || r.exited() || now.Before(r.ownedSince.Add(m.cfg.MinHold)) {
			continue
		}
		if !slices.ContainsFunc(active, func(s store.Sender) bool { return s.PhoneNumberID == id }) {
			continue
		}
		if give == nil || id > give.id {
			give = r
		}
	}
	m.mu.Unlock()
	if give == nil {
		return
	}
	m.log.Info("handing sender over to even out the spread", "sender", give.id,
		"owned", mine, "fair_share", fair, "replicas", n)
	m.stop(give)
}

// runs reports whether a loop of id runs here or is still winding down.
func (m *Manager) runs(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.runners[id]
	return r != nil && !(r.stopping && closed(r.released))
}

// handingOver reports whether a sender given up is still winding down.
func (m *Manager) handingOver() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.runners {
		if r.stopping && !closed(r.released) {
			return true
		}
	}
	return false
}

func (m *Manager) start(ctx context.Context, s store.Sender, now time.Time) {
	rctx, cancel := context.WithCancel(ctx)
	r := &runner{
		id:         s.PhoneNumberID,
		wake:       make(chan struct{}, 1),
		cancel:     cancel,
		done:       make(chan struct{}),
		released:   make(chan struct{}),
		leaseUntil: now.Add(m.cfg.LeaseTTL),
		ownedSince: now,
		sender:     s,
	}
	r.fence.Store(m.fenceFor(r.leaseUntil))
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
		m.releaseLease(leaseName(r.id))
		close(r.released)
	}()
}

func (m *Manager) releaseLease(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.st.ReleaseLease(ctx, name, m.cfg.Owner); err != nil {
		m.log.Warn("release lease", "lease", name, "err", err)
	}
}

// fenceFor is the last moment a loop may start a send under a lease ending
// at until: the same margin at which expireUnrenewed stops the loop.
func (m *Manager) fenceFor(until time.Time) int64 {
	return until.Add(-m.cfg.LeaseTTL / 3).UnixNano()
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
		// A lease already released, or since taken by another replica,
		// is left alone by ReleaseLease.
		m.releaseLease(leaseName(r.id))
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

// Inbound counts n inbound messages Meta received on phoneNumberID against
// the number's throughput: Meta counts inbound and outbound messages
// alike (meta-platform.md §1.2), so the sends after them wait for the
// tokens they used. It never blocks; it does nothing when this replica
// does not dispatch the number.
func (m *Manager) Inbound(phoneNumberID string, n int) {
	m.mu.Lock()
	r := m.runners[phoneNumberID]
	m.mu.Unlock()
	if r == nil {
		return
	}
	if l := r.lim.Load(); l != nil {
		l.Take(m.cfg.Now(), n)
	}
}

// UpstreamHealth reports the state of the upstream's circuit breaker.
func (m *Manager) UpstreamHealth() UpstreamHealth { return m.br.Health() }

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
	mps := m.cfg.DefaultThroughput
	if s.ThroughputMPS > 0 {
		mps = s.ThroughputMPS
	}
	if m.cfg.RateFactor != nil {
		if f := m.cfg.RateFactor(s.PhoneNumberID); f > 0 && f < 1 {
			return max(1, int(float64(mps)*f))
		}
	}
	return mps
}

// Brakes is the risk engine as the dispatcher sees it.
type Brakes interface {
	// SendRefused reports a send Meta refused with an account-level error
	// (wire.StopSender); stop says the sender is now stopped and its loop
	// must end. Otherwise the loop goes on: the send-time stage holds
	// what the brake holds back (a pause of business-initiated messages
	// still lets replies in an open window go).
	SendRefused(ctx context.Context, s store.Sender, category string, code int, detail string, at time.Time) (stop bool, err error)
}
