package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
	"github.com/wabaguard/wabaguard/internal/worker"
)

// ProcessorConfig configures webhook processing.
type ProcessorConfig struct {
	// BatchSize bounds deliveries claimed and applied together (256 when
	// zero).
	BatchSize int
	// Lease is how long a claimed delivery is reserved before another
	// processor may take it (1 minute when zero).
	Lease time.Duration
	// Linger is the least time between two rounds that were not full (20 ms
	// when zero; negative for none). SQLite has one writer: under load,
	// letting work gather into fewer, larger transactions leaves the writer
	// to the webhook appends that clients wait on, at the price of at most
	// this much added latency.
	Linger time.Duration
	// PollInterval is the safety net when no wake-up arrives (1 s when zero).
	PollInterval time.Duration
	// RetryBase is the first delay before a delivery with unknown Meta ids is
	// processed again; it doubles per attempt (1 s when zero).
	RetryBase time.Duration
	// RetryFor is how long after receipt unknown Meta ids are waited for
	// before their statuses are forwarded as they are (10 minutes when zero).
	RetryFor time.Duration
	// LookupTTL is how long sender lookups are cached (30 s when zero).
	LookupTTL time.Duration
	// DedupeFor is how long an event forwarded to a tenant is remembered,
	// so that Meta sending it again inside another delivery does not
	// forward it twice (8 days when zero: Meta retries for up to 7).
	DedupeFor time.Duration
	// OnApplied is called after a batch enqueued forwards, typically
	// Forwarder.Notify.
	OnApplied func()
	// Logger receives operational logs (slog.Default when nil).
	Logger *slog.Logger
	// Metrics receives counters (none when nil).
	Metrics *metrics.Metrics
	// Signals receives what each batch taught: its consumers before the
	// batch commits, its stagers (forwarding to tenants among them) inside
	// the batch's transaction. Nil, or a bus without the forward stager:
	// nothing is forwarded.
	Signals *signal.Bus
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Processor turns the durable log of deliveries into their effects.
type Processor struct {
	st   Store
	cfg  ProcessorConfig
	log  *slog.Logger
	loop *worker.Loop

	mu       sync.Mutex
	senders  map[string]cachedSender // phone_number_id →
	wabas    map[string]cachedWABA   // waba id → its senders
	inbound  map[string]struct{}     // recently applied inbound message ids
	inOrder  []string                // FIFO of inbound, to bound it
	inCursor int
	pruned   time.Time // when event keys were last pruned
}

// pruneEvery is how often ProcessOnce forgets expired event keys.
const pruneEvery = time.Hour

type cachedSender struct {
	s     store.Sender
	found bool
	until time.Time
}

type cachedWABA struct {
	senders []store.Sender
	until   time.Time
}

// recentInbound bounds the in-memory set of inbound ids already forwarded.
const recentInbound = 65536

// NewProcessor returns a processor; start it with Run.
func NewProcessor(st Store, cfg ProcessorConfig) *Processor {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 256
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Linger == 0 {
		cfg.Linger = 20 * time.Millisecond
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.RetryFor <= 0 {
		cfg.RetryFor = 10 * time.Minute
	}
	if cfg.LookupTTL <= 0 {
		cfg.LookupTTL = 30 * time.Second
	}
	if cfg.DedupeFor <= 0 {
		cfg.DedupeFor = 8 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Processor{
		st: st, cfg: cfg, log: cfg.Logger,
		senders: map[string]cachedSender{},
		wabas:   map[string]cachedWABA{},
		inbound: map[string]struct{}{},
		inOrder: make([]string, recentInbound),
	}
	p.loop = worker.New(worker.Config{Name: "webhook processing", Round: p.ProcessOnce,
		Full: func(n int) bool { return n == p.cfg.BatchSize }, Poll: cfg.PollInterval, Linger: cfg.Linger, Logger: cfg.Logger})
	return p
}

// Notify wakes Run; it never blocks.
func (p *Processor) Notify() { p.loop.Notify() }

// Run processes deliveries until ctx ends. It returns nil on cancellation.
func (p *Processor) Run(ctx context.Context) error { return p.loop.Run(ctx) }

// parsed is one delivery decoded for processing.
type parsed struct {
	d       store.Delivery
	entries []parsedEntry
}

type parsedEntry struct {
	wabaID  string
	time    int64 // entry.time as Meta sent it, 0 for none
	changes []parsedChange
}

type parsedChange struct {
	field string
	raw   json.RawMessage
	// For field "messages":
	value    map[string]json.RawMessage
	pnid     string
	statuses []parsedStatus
	messages []parsedMessage
}

type parsedStatus struct {
	raw json.RawMessage // as Meta sent it
	st  wire.Status
}

type parsedMessage struct {
	raw       json.RawMessage
	hdr       wire.InboundHeader
	contextID string
}

// ProcessOnce claims one batch of due deliveries, applies their effects in
// one transaction and reports how many deliveries it handled.
func (p *Processor) ProcessOnce(ctx context.Context) (int, error) {
	now := p.cfg.Now()
	p.pruneEventKeys(ctx, now)
	ds, err := p.st.ClaimDeliveries(ctx, now, p.cfg.BatchSize, p.cfg.Lease)
	if err != nil {
		return 0, fmt.Errorf("claim deliveries: %w", err)
	}
	if len(ds) == 0 {
		return 0, nil
	}
	var (
		apply   store.WebhookApply
		batch   []parsed
		metaIDs []string
		seenID  = map[string]bool{}
	)
	addID := func(id string) {
		if id != "" && !seenID[id] {
			seenID[id] = true
			metaIDs = append(metaIDs, id)
		}
	}
	for _, d := range ds {
		pd, err := parseDelivery(d)
		if err != nil {
			// Meta signed it, so it is kept, but retrying cannot make it
			// parse: mark it done so it is never looped on.
			p.log.Warn("webhook delivery unparseable, skipped", "delivery", d.ID, "err", err)
			apply.Done = append(apply.Done, d.ID)
			continue
		}
		for _, e := range pd.entries {
			for _, c := range e.changes {
				for _, s := range c.statuses {
					addID(s.st.ID)
				}
				for _, m := range c.messages {
					addID(m.contextID)
				}
			}
		}
		batch = append(batch, pd)
	}
	refs := map[string]store.MessageRef{}
	if len(metaIDs) > 0 {
		if refs, err = p.st.MessagesByMetaID(ctx, metaIDs); err != nil {
			return 0, fmt.Errorf("map %d meta ids: %w", len(metaIDs), err)
		}
	}
	var (
		counts     = map[string]int{}
		newInbound []string
		inBatch    = map[string]bool{}
		sigs       []signal.Signal
		// statusSig[i] is the signal of apply.Statuses[i]: the store says,
		// in the transaction, whether that event is new.
		statusSig []int
	)
	for _, pd := range batch {
		// A delivery processed before (Attempts > 0) had everything but its
		// unknown statuses applied in that committed pass: only statuses are
		// worth another look (and their dedupe makes repeating known ones
		// harmless), while inbound messages and other fields would be
		// forwarded twice.
		firstPass := pd.d.Attempts == 0
		giveUp := now.Sub(pd.d.ReceivedAt) >= p.cfg.RetryFor
		unresolved := false
		for _, e := range pd.entries {
			for _, c := range e.changes {
				ch := &signal.Change{DeliveryID: pd.d.ID, WABAID: e.wabaID, EntryTime: e.time, Field: c.field, Value: c.raw}
				if c.field != "messages" {
					if firstPass {
						tenant, err := p.routeOther(ctx, e.wabaID, c)
						if err != nil {
							return 0, err
						}
						sigs = append(sigs, eventSignal(ch, tenant, now))
						counts["other"]++
					}
					continue
				}
				for _, s := range c.statuses {
					ref, ok := refs[s.st.ID]
					if !ok && !giveUp {
						unresolved = true
						continue
					}
					sig, sa, err := p.statusEffect(ctx, ch, c, s, ref, ok)
					if err != nil {
						return 0, err
					}
					if sa != nil {
						statusSig = append(statusSig, len(sigs))
						apply.Statuses = append(apply.Statuses, *sa)
					}
					sigs = append(sigs, sig)
					counts["status"]++
				}
				if !firstPass || len(c.statuses) > 0 && len(c.messages) == 0 && !hasExtra(c.value) {
					continue
				}
				ins, wins, insSigs, err := p.inboundEffects(ctx, ch, c, refs, inBatch, now, pd.d.ReceivedAt)
				if err != nil {
					return 0, err
				}
				apply.Inbound = append(apply.Inbound, ins...)
				apply.Windows = append(apply.Windows, wins...)
				sigs = append(sigs, insSigs...)
				for _, in := range ins {
					newInbound = append(newInbound, in.ID)
				}
				counts["inbound"] += len(ins)
			}
		}
		if unresolved {
			apply.Retry = append(apply.Retry, store.DeliveryRetry{
				ID:       pd.d.ID,
				Attempts: pd.d.Attempts + 1,
				NextAt:   now.Add(p.holdDelay(pd.d, now)),
			})
		} else {
			apply.Done = append(apply.Done, pd.d.ID)
		}
	}
	if err := p.recordObjects(ctx, batch, now); err != nil {
		return 0, err
	}
	// Before the commit: a consumer that fails (the ledger unreachable)
	// leaves the deliveries claimed, to run again when the lease ends.
	if err := p.cfg.Signals.Emit(ctx, sigs); err != nil {
		return 0, fmt.Errorf("signals of %d deliveries: %w", len(ds), err)
	}
	// In the commit: stagers (forwarding) write into the batch's own
	// transaction, told which status events are new, so a forward is
	// enqueued exactly when its event is recorded.
	staged := 0
	if len(sigs) > 0 {
		apply.Stage = func(ctx context.Context, fresh []bool) (store.Staged, error) {
			for i, si := range statusSig {
				sigs[si].New = i < len(fresh) && fresh[i]
			}
			tx := &signal.Staging{Now: now}
			if err := p.cfg.Signals.Stage(ctx, sigs, tx); err != nil {
				return store.Staged{}, err
			}
			out := tx.Staged()
			staged = len(out.Forwards)
			return out, nil
		}
	}
	if err := p.st.ApplyWebhooks(ctx, apply); err != nil {
		return 0, fmt.Errorf("apply %d deliveries: %w", len(ds), err)
	}
	p.rememberInbound(newInbound)
	if m := p.cfg.Metrics; m != nil {
		for k, n := range counts {
			m.WebhookEvents.WithLabelValues(k).Add(float64(n))
		}
	}
	if staged > 0 || len(apply.Statuses) > 0 {
		if p.cfg.OnApplied != nil {
			p.cfg.OnApplied()
		}
	}
	return len(ds), nil
}

// pruneEventKeys forgets, at most once per pruneEvery, the keys of events
// forwarded more than DedupeFor ago. A failure is logged and tried again
// next time: the keys only take room meanwhile.
func (p *Processor) pruneEventKeys(ctx context.Context, now time.Time) {
	if now.Sub(p.pruned) < pruneEvery {
		return
	}
	n, err := p.st.PruneEventKeys(ctx, now.Add(-p.cfg.DedupeFor))
	if err != nil {
		p.log.Warn("pruning forwarded event keys failed", "err", err)
		return
	}
	p.pruned = now
	if n > 0 {
		p.log.Debug("forwarded event keys pruned", "keys", n, "older_than", p.cfg.DedupeFor)
	}
}

func (p *Processor) backoff(attempts int) time.Duration {
	d := p.cfg.RetryBase << min(attempts, 20)
	return min(d, p.cfg.RetryFor)
}

// holdDelay is the wait before a delivery with unknown Meta ids is looked at
// again: the doubling back-off, its last step cut short so that the holds
// add up to RetryFor after receipt and not past it (uncapped, a 10-minute
// horizon with a 1 s base gave up only after 1023 s).
func (p *Processor) holdDelay(d store.Delivery, now time.Time) time.Duration {
	left := d.ReceivedAt.Add(p.cfg.RetryFor).Sub(now)
	return max(min(p.backoff(d.Attempts), left), 0)
}

// hasExtra reports whether a messages value carries something besides
// statuses that the tenant must see (value-level errors, for example).
func hasExtra(v map[string]json.RawMessage) bool {
	_, errs := v["errors"]
	return errs
}

// statusEffect builds a status's signal and, for a message the gateway
// sent and a status its state machine knows, the status event. A known
// message's status is about that message's tenant; an unknown one (given
// up on) about the tenant of the phone number, as it belongs to a message
// sent around the gateway (nobody's when the number is unknown too).
func (p *Processor) statusEffect(ctx context.Context, ch *signal.Change, c parsedChange, s parsedStatus, ref store.MessageRef, known bool) (signal.Signal, *store.StatusApply, error) {
	sig := statusSignal(ch, c, s)
	if !known {
		snd, ok, err := p.sender(ctx, c.pnid)
		if err != nil {
			return sig, nil, err
		}
		if !ok {
			p.log.Info("status for unknown message and sender not forwarded", "phone_number_id", c.pnid)
		}
		sig.TenantID, sig.New = snd.TenantID, true // deduplicated by its forward's key
		return sig, nil, nil
	}
	sig.TenantID, sig.Ref = ref.TenantID, signal.Ref{ID: ref.ID, TenantID: ref.TenantID}
	state, ok := stateOf(s.st.Status)
	if !ok {
		// A status the state machine does not know (a newer Meta value):
		// the tenant still hears of it, the message does not move.
		sig.New = true
		return sig, nil, nil
	}
	ev := store.StatusEvent{MessageID: ref.ID, MetaID: s.st.ID, Status: s.st.Status, Timestamp: unixTime(s.st.Timestamp)}
	if len(s.st.Errors) > 0 {
		ev.ErrorCode = s.st.Errors[0].Code
	}
	// New is the store's to say, in the transaction.
	return sig, &store.StatusApply{Event: ev, State: state}, nil
}

// inboundEffects stores a change's inbound messages and opens their windows,
// and makes their signals: those of messages not applied before, with the
// sender's tenant and reply contexts resolved to the gateway's messages. A
// messages change with no messages but content of its own (value-level
// errors) becomes an event signal of field messages.
func (p *Processor) inboundEffects(ctx context.Context, ch *signal.Change, c parsedChange, refs map[string]store.MessageRef, inBatch map[string]bool, now, received time.Time) ([]store.InboundMessage, []store.Window, []signal.Signal, error) {
	var (
		ins  []store.InboundMessage
		wins []store.Window
		news []parsedMessage
	)
	for _, m := range c.messages {
		if m.hdr.ID != "" {
			if inBatch[m.hdr.ID] || p.seenInbound(m.hdr.ID) {
				continue // a redelivery already applied and forwarded
			}
			inBatch[m.hdr.ID] = true
		}
		ts := unixTime(m.hdr.Timestamp)
		ins = append(ins, store.InboundMessage{ID: m.hdr.ID, SenderID: c.pnid, From: m.hdr.From, Type: m.hdr.Type, Timestamp: ts, Body: m.raw, ReceivedAt: received})
		if m.hdr.From != "" && !ts.IsZero() {
			// Keyed by the canonical wa_id, the form sends are normalised
			// to: Meta writes Brazilian mobiles without their ninth digit.
			wins = append(wins, store.Window{SenderID: c.pnid, WaID: phone.Canonical(m.hdr.From), At: ts})
		}
		news = append(news, m)
	}
	if len(c.messages) > 0 && len(ins) == 0 {
		return nil, nil, nil, nil // everything in it was a redelivery
	}
	snd, ok, err := p.sender(ctx, c.pnid)
	if err != nil {
		return nil, nil, nil, err
	}
	if !ok {
		p.log.Info("inbound for unknown sender not forwarded", "phone_number_id", c.pnid)
	}
	if len(c.messages) == 0 {
		sig := eventSignal(ch, snd.TenantID, now)
		sig.PhoneNumberID = c.pnid
		return nil, nil, []signal.Signal{sig}, nil
	}
	return ins, wins, inboundSignals(ch, c, ins, news, refs, snd.TenantID), nil
}

func (p *Processor) sender(ctx context.Context, pnid string) (store.Sender, bool, error) {
	now := p.cfg.Now()
	p.mu.Lock()
	c, ok := p.senders[pnid]
	p.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.s, c.found, nil
	}
	s, err := p.st.GetSender(ctx, pnid)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Sender{}, false, fmt.Errorf("get sender %s: %w", pnid, err)
	}
	p.mu.Lock()
	p.senders[pnid] = cachedSender{s: s, found: found, until: now.Add(p.cfg.LookupTTL)}
	p.mu.Unlock()
	return s, found, nil
}

func (p *Processor) seenInbound(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.inbound[id]
	return ok
}

// rememberInbound records applied inbound ids. The store deduplicates the
// inbound messages themselves, but their forwards are enqueued
// unconditionally; this bounded memory keeps a redelivery of the same message
// in a different delivery from reaching the tenant twice.
func (p *Processor) rememberInbound(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if id == "" {
			continue
		}
		if old := p.inOrder[p.inCursor]; old != "" {
			delete(p.inbound, old)
		}
		p.inOrder[p.inCursor] = id
		p.inbound[id] = struct{}{}
		p.inCursor = (p.inCursor + 1) % len(p.inOrder)
	}
}

func parseDelivery(d store.Delivery) (parsed, error) {
	n, err := wire.ParseNotification(d.Body)
	if err != nil {
		return parsed{}, err
	}
	pd := parsed{d: d}
	for _, e := range n.Entry {
		pe := parsedEntry{wabaID: e.ID, time: e.Time}
		for _, c := range e.Changes {
			pc := parsedChange{field: c.Field, raw: c.Value}
			if c.Field == wire.FieldMessages {
				if err := parseMessages(&pc); err != nil {
					return parsed{}, err
				}
			}
			pe.changes = append(pe.changes, pc)
		}
		pd.entries = append(pd.entries, pe)
	}
	return pd, nil
}

func parseMessages(pc *parsedChange) error {
	if err := json.Unmarshal(pc.raw, &pc.value); err != nil {
		return fmt.Errorf("decode messages value: %w", err)
	}
	if raw, ok := pc.value["metadata"]; ok {
		var md wire.Metadata
		if err := json.Unmarshal(raw, &md); err != nil {
			return fmt.Errorf("decode metadata: %w", err)
		}
		pc.pnid = md.PhoneNumberID
	}
	if raw, ok := pc.value["statuses"]; ok {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("decode statuses: %w", err)
		}
		for _, r := range list {
			s := parsedStatus{raw: r}
			if err := json.Unmarshal(r, &s.st); err != nil {
				return fmt.Errorf("decode status: %w", err)
			}
			pc.statuses = append(pc.statuses, s)
		}
	}
	if raw, ok := pc.value["messages"]; ok {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("decode messages: %w", err)
		}
		for _, r := range list {
			m := parsedMessage{raw: r}
			var withCtx struct {
				wire.InboundHeader
				Context *struct {
					ID string `json:"id"`
				} `json:"context"`
			}
			if err := json.Unmarshal(r, &withCtx); err != nil {
				return fmt.Errorf("decode message: %w", err)
			}
			m.hdr = withCtx.InboundHeader
			if withCtx.Context != nil {
				m.contextID = withCtx.Context.ID
			}
			pc.messages = append(pc.messages, m)
		}
	}
	return nil
}

func stateOf(status string) (store.MessageState, bool) {
	switch status {
	case wire.StatusSent:
		return store.StateSent, true
	case wire.StatusDelivered:
		return store.StateDelivered, true
	case wire.StatusRead, wire.StatusPlayed:
		return store.StateRead, true
	case wire.StatusFailed:
		return store.StateFailed, true
	}
	return "", false
}

// unixTime parses Meta's string timestamps (unix seconds); zero when absent
// or malformed.
func unixTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
