// Package forward delivers queued events to tenants' webhooks in Meta's
// envelope, signed with each tenant's secret, retried durably with
// exponential backoff until they are delivered or too old.
package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/egress"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
	"github.com/wabaguard/wabaguard/internal/worker"
)

// Store is what forwarding needs from persistence. store.Store satisfies it.
type Store interface {
	ClaimForwards(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Forward, error)
	CompleteForwards(ctx context.Context, ids []int64, at time.Time) error
	RetryForwards(ctx context.Context, rs []store.ForwardRetry) error
	GetTenant(ctx context.Context, id string) (store.Tenant, error)
}

// Config configures the forwarder. Zero fields take the documented defaults.
type Config struct {
	// Concurrency bounds tenants posted to at the same time (8).
	Concurrency int
	// MaxBatch bounds events per POST whatever a tenant chose (100).
	MaxBatch int
	// Batch is how many events one POST carries for a tenant that did not
	// choose (1: one change per POST, as Meta mostly sends and as SDKs that
	// read only entry[0].changes[0] need).
	Batch int
	// TenantBatch is each tenant's own events per POST, up to MaxBatch;
	// tenants absent or at 0 take Batch.
	TenantBatch map[string]int
	// TenantParallel bounds POSTs in flight to one tenant (4). A round
	// holds at most one forward of each lane (see store.Forward.Lane), so
	// POSTs of one round may overtake each other without breaking any
	// order the tenant is promised; forwards without a lane go one after
	// the other.
	TenantParallel int
	// Timeout bounds one POST (10 s).
	Timeout time.Duration
	// MaxAge is how long a forward is retried before it is given up (7 days,
	// as long as Meta itself retries).
	MaxAge time.Duration
	// BackoffBase is the first retry delay, doubled per attempt with jitter
	// (1 s).
	BackoffBase time.Duration
	// BackoffCap bounds the retry delay (1 h).
	BackoffCap time.Duration
	// Linger is the least time between two rounds that were not full (20 ms
	// when zero; negative for none). SQLite has one writer: under load,
	// letting work gather into fewer, larger transactions leaves the writer
	// to the webhook appends that clients wait on, at the price of at most
	// this much added latency.
	Linger time.Duration
	// PollInterval is the safety net when no wake-up arrives (1 s).
	PollInterval time.Duration
	// TenantTTL is how long tenant lookups are cached (10 s).
	TenantTTL time.Duration
	// Logger receives operational logs (slog.Default when nil).
	Logger *slog.Logger
	// Metrics receives counters (none when nil).
	Metrics *metrics.Metrics
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Destinations says which addresses tenants' webhooks may reach; it
	// builds the client when HTTPClient is nil. The zero value allows public
	// addresses only.
	Destinations egress.Policy
	// HTTPClient posts to tenants (Destinations' client, which checks every
	// connection and never follows redirects, when nil).
	HTTPClient *http.Client
	// Rewrite, when set, returns a change value as the tenant receives it;
	// it replaces the url of inbound media, which only Meta's token opens,
	// with the gateway's own. It runs at each delivery, on a copy.
	Rewrite func(tenantID, field string, value []byte) []byte
}

// Forwarder delivers due forwards to tenants.
type Forwarder struct {
	st   Store
	cfg  Config
	log  *slog.Logger
	loop *worker.Loop

	mu      sync.Mutex
	tenants map[string]cachedTenant
}

type cachedTenant struct {
	t     store.Tenant
	err   error
	until time.Time
}

// New returns a forwarder; start it with Run.
func New(st Store, cfg Config) *Forwarder {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 100
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1
	}
	if cfg.TenantParallel <= 0 {
		cfg.TenantParallel = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 7 * 24 * time.Hour
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = time.Second
	}
	if cfg.BackoffCap <= 0 {
		cfg.BackoffCap = time.Hour
	}
	if cfg.Linger == 0 {
		cfg.Linger = 20 * time.Millisecond
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.TenantTTL <= 0 {
		cfg.TenantTTL = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		// A tenant's endpoint redirecting elsewhere must not receive the
		// signed events on its behalf, and no webhook URL may reach what
		// the policy keeps out (metadata, the internal network).
		cfg.HTTPClient = cfg.Destinations.HTTPClient()
	}
	f := &Forwarder{st: st, cfg: cfg, log: cfg.Logger, tenants: map[string]cachedTenant{}}
	f.loop = worker.New(worker.Config{Name: "forwarding", Round: f.DeliverOnce,
		Full: func(n int) bool { return n == f.limit() }, Poll: cfg.PollInterval, Linger: cfg.Linger, Logger: cfg.Logger})
	return f
}

// Notify wakes Run; it never blocks.
func (f *Forwarder) Notify() { f.loop.Notify() }

// Run delivers forwards until ctx ends. It returns nil on cancellation.
func (f *Forwarder) Run(ctx context.Context) error { return f.loop.Run(ctx) }

func (f *Forwarder) limit() int { return f.cfg.Concurrency * f.cfg.MaxBatch }

// DeliverOnce runs one round: it claims due forwards, posts each tenant's
// events (in chunks of the tenant's batch size, in order) and records the outcomes. It
// returns how many forwards it claimed.
func (f *Forwarder) DeliverOnce(ctx context.Context) (int, error) {
	now := f.cfg.Now()
	limit := f.limit()
	// The claim must outlive the slowest tenant's sequential chunks, or
	// another round could post the same events concurrently.
	lease := time.Duration(f.cfg.Concurrency+1)*f.cfg.Timeout + 30*time.Second
	fws, err := f.st.ClaimForwards(ctx, now, limit, lease)
	if err != nil {
		return 0, fmt.Errorf("claim forwards: %w", err)
	}
	if len(fws) == 0 {
		return 0, nil
	}
	var order []string
	byTenant := map[string][]store.Forward{}
	for _, fw := range fws {
		if _, ok := byTenant[fw.TenantID]; !ok {
			order = append(order, fw.TenantID)
		}
		byTenant[fw.TenantID] = append(byTenant[fw.TenantID], fw)
	}
	var (
		mu      sync.Mutex
		done    []int64
		retries []store.ForwardRetry
		wg      sync.WaitGroup
		sem     = make(chan struct{}, f.cfg.Concurrency)
	)
	// Each tenant is posted to by its own goroutine so that one slow or
	// failing endpoint does not hold up another tenant's events.
	for _, tid := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(tid string, list []store.Forward) {
			defer wg.Done()
			defer func() { <-sem }()
			d, r := f.deliverTenant(ctx, tid, list, now)
			mu.Lock()
			done = append(done, d...)
			retries = append(retries, r...)
			mu.Unlock()
		}(tid, byTenant[tid])
	}
	wg.Wait()
	var errs []error
	if len(done) > 0 {
		if err := f.st.CompleteForwards(ctx, done, f.cfg.Now()); err != nil {
			errs = append(errs, fmt.Errorf("complete %d forwards: %w", len(done), err))
		}
	}
	if len(retries) > 0 {
		if err := f.st.RetryForwards(ctx, retries); err != nil {
			errs = append(errs, fmt.Errorf("reschedule %d forwards: %w", len(retries), err))
		}
	}
	f.count("delivered", len(done))
	var dead int
	for _, r := range retries {
		if r.GiveUp {
			dead++
		}
	}
	f.count("failed", len(retries)-dead)
	f.count("dead", dead)
	return len(fws), errors.Join(errs...)
}

func (f *Forwarder) count(result string, n int) {
	if m := f.cfg.Metrics; m != nil && n > 0 {
		m.WebhooksOut.WithLabelValues(result).Add(float64(n))
	}
}

// deliverTenant posts one tenant's forwards, chunk by chunk, up to
// TenantParallel chunks at a time. Forwards with a lane are all in different
// lanes (the store hands out one per lane), so their chunks go in parallel;
// those without a lane go in order, one chunk after the other. After a
// failure no further chunk is started (the endpoint is evidently not taking
// them): the rest are rescheduled with the failed ones.
func (f *Forwarder) deliverTenant(ctx context.Context, tid string, list []store.Forward, now time.Time) (done []int64, retries []store.ForwardRetry) {
	t, err := f.tenant(ctx, tid)
	if err == nil && t.WebhookURL == "" {
		err = errors.New("tenant has no webhook URL")
	}
	if err != nil {
		for _, fw := range list {
			retries = append(retries, f.retry(fw, err, now))
		}
		f.logFailure(tid, len(retries), err)
		return nil, retries
	}
	var laned, unlaned []store.Forward
	for _, fw := range list {
		if fw.Lane == "" {
			unlaned = append(unlaned, fw)
		} else {
			laned = append(laned, fw)
		}
	}
	// A job is chunks posted one after the other.
	size := f.batch(tid)
	var jobs [][][]store.Forward
	if len(unlaned) > 0 {
		jobs = append(jobs, slices.Collect(slices.Chunk(unlaned, size)))
	}
	for chunk := range slices.Chunk(laned, size) {
		jobs = append(jobs, [][]store.Forward{chunk})
	}
	var (
		mu     sync.Mutex
		failed error
		wg     sync.WaitGroup
		sem    = make(chan struct{}, f.cfg.TenantParallel)
	)
	settle := func(chunk []store.Forward, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			for _, fw := range chunk {
				done = append(done, fw.ID)
			}
			return
		}
		if failed == nil {
			failed = err
		}
		for _, fw := range chunk {
			retries = append(retries, f.retry(fw, err, now))
		}
	}
	firstFailure := func() error {
		mu.Lock()
		defer mu.Unlock()
		return failed
	}
	for _, job := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func(job [][]store.Forward) {
			defer wg.Done()
			defer func() { <-sem }()
			for _, chunk := range job {
				err := firstFailure()
				if err == nil {
					err = f.post(ctx, t, chunk)
				}
				settle(chunk, err)
			}
		}(job)
	}
	wg.Wait()
	if failed != nil {
		f.logFailure(tid, len(retries), failed)
	}
	return done, retries
}

// batch is how many events one POST to tenant tid carries.
func (f *Forwarder) batch(tid string) int {
	n := f.cfg.TenantBatch[tid]
	if n <= 0 {
		n = f.cfg.Batch
	}
	return min(n, f.cfg.MaxBatch)
}

func (f *Forwarder) retry(fw store.Forward, cause error, now time.Time) store.ForwardRetry {
	attempts := fw.Attempts + 1
	r := store.ForwardRetry{ID: fw.ID, Attempts: attempts, NextAt: now.Add(f.backoff(attempts)), LastError: cause.Error()}
	if now.Sub(fw.CreatedAt) >= f.cfg.MaxAge {
		r.GiveUp = true
	}
	return r
}

// backoff is BackoffBase·2^(attempts-1), capped, with jitter in its upper
// half so that a recovering endpoint is not hit by every retry at once.
func (f *Forwarder) backoff(attempts int) time.Duration {
	d := f.cfg.BackoffBase << min(max(attempts-1, 0), 30)
	if d <= 0 || d > f.cfg.BackoffCap {
		d = f.cfg.BackoffCap
	}
	half := d / 2
	return half + rand.N(half+1)
}

func (f *Forwarder) tenant(ctx context.Context, id string) (store.Tenant, error) {
	now := f.cfg.Now()
	f.mu.Lock()
	c, ok := f.tenants[id]
	f.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.t, c.err
	}
	t, err := f.st.GetTenant(ctx, id)
	if err != nil {
		err = fmt.Errorf("get tenant %s: %w", id, err)
		if !errors.Is(err, store.ErrNotFound) {
			return store.Tenant{}, err // not cached: the database may recover
		}
	}
	f.mu.Lock()
	f.tenants[id] = cachedTenant{t: t, err: err, until: now.Add(f.cfg.TenantTTL)}
	f.mu.Unlock()
	return t, err
}

// entryKey is what one entry of an envelope shares: the WABA and the time
// Meta gave the entry its changes came in.
type entryKey struct {
	waba string
	time int64
}

// Envelope encodes forwards as one notification in Meta's envelope, entries
// grouped by WABA id and entry time in order of first appearance, each
// entry carrying Meta's time when there was one, each stored value embedded
// byte for byte.
func Envelope(fws []store.Forward) []byte {
	var order []entryKey
	byWABA := map[entryKey][]store.Forward{}
	for _, fw := range fws {
		k := entryKey{fw.WABAID, fw.EntryTime}
		if _, ok := byWABA[k]; !ok {
			order = append(order, k)
		}
		byWABA[k] = append(byWABA[k], fw)
	}
	var b bytes.Buffer
	b.WriteString(`{"object":"` + wire.ObjectWABA + `","entry":[`)
	for i, waba := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":`)
		b.Write(quote(waba.waba))
		if waba.time != 0 {
			b.WriteString(`,"time":`)
			b.WriteString(strconv.FormatInt(waba.time, 10))
		}
		b.WriteString(`,"changes":[`)
		for j, fw := range byWABA[waba] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"field":`)
			b.Write(quote(fw.Field))
			b.WriteString(`,"value":`)
			if len(fw.Value) == 0 {
				b.WriteString("null")
			} else {
				b.Write(fw.Value)
			}
			b.WriteByte('}')
		}
		b.WriteString("]}")
	}
	b.WriteString("]}")
	return b.Bytes()
}

func quote(s string) []byte {
	q, _ := json.Marshal(s) // a string always encodes
	return q
}

func (f *Forwarder) post(ctx context.Context, t store.Tenant, chunk []store.Forward) error {
	// Written as Meta writes it, so that receivers that re-serialise before
	// checking the signature compute it over the same bytes.
	if f.cfg.Rewrite != nil {
		out := make([]store.Forward, len(chunk))
		for i, fw := range chunk {
			fw.Value = f.cfg.Rewrite(t.ID, fw.Field, fw.Value)
			out[i] = fw
		}
		chunk = out
	}
	body := wire.MetaJSON(Envelope(chunk))
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	if err := wire.PostSigned(ctx, f.cfg.HTTPClient, t.WebhookURL, []byte(t.WebhookSecret), body); err != nil {
		redactURL(err)
		return fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	return nil
}
