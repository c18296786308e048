package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// claimHorizon is how far ahead a claim looks at the bucket: claimed
// messages should be sent within this, far inside ClaimLease.
const claimHorizon = time.Second

// loop is the state of one running sender loop.
type loop struct {
	m       *Manager
	r       *runner
	lim     *limiter
	pair    *pairLimiter
	dep     *departures
	rec     *recorder
	log     *slog.Logger
	stopped atomic.Bool   // set once by the send that hit an account-level error
	batch   SendTimeBatch // the send-time stage when it decides on whole claims

	// outstanding counts messages claimed and not yet recorded by a
	// committed RecordOutcomes: in flight, waiting for a slot or a token,
	// or waiting in the recorder. They are exactly this sender's rows in
	// state sending, and the loop keeps them at most ClaimBatch, which is
	// what bounds the duplicates after a crash.
	outstanding atomic.Int64
	// room is signalled after every flush, when outstanding may have fallen.
	room chan struct{}
	// unsure is set when the store's state may no longer match outstanding:
	// a claim whose answer was lost or outcomes that could not be recorded.
	// The loop then ends; the manager restarts it at its next tick after
	// RequeueInFlight, which makes the count right again.
	unsure atomic.Bool

	// held are the ids of the messages counted in outstanding. A message
	// whose claim lease lapsed while its outcome was still on its way to
	// the store (a slow send, a slow flush) is due again by the store's
	// rules, and the next claim hands it back: sending it again would give
	// it two outcomes, and a failed message two failed statuses. The loop
	// keeps the copy it holds and drops the one the claim returned.
	// heldMu is held across each claim and across each recording of
	// outcomes with the removal of their ids, so that a message is
	// never seen as held once its outcome is in the store: a claim that
	// returns a held message has renewed a lease the pending outcome
	// will clear.
	heldMu sync.Mutex
	held   map[string]struct{}
}

// runSender is one sender's loop: claim, pace, send, record, until ctx ends
// or the sender is stopped.
func (m *Manager) runSender(ctx context.Context, r *runner) {
	defer close(r.done)
	s := r.getSender()
	l := &loop{
		m:    m,
		r:    r,
		lim:  newLimiter(m.throughput(s), m.cfg.Now()),
		pair: newPairLimiter(m.cfg.PairBurst, m.cfg.Now()),
		dep:  newDepartures(m.throughput(s)),
		log:  m.log.With("sender", r.id),
		room: make(chan struct{}, 1),
		held: map[string]struct{}{},
	}
	l.batch, _ = m.cfg.SendTime.(SendTimeBatch)
	r.lim.Store(l.lim)
	defer r.lim.Store(nil)
	l.rec = newRecorder(context.WithoutCancel(ctx), m.st, m.cfg.ClaimBatch, m.cfg.FlushDelay, l.log, &l.heldMu, l.recorded)
	// In-flight sends finish even when the loop is told to stop: their
	// outcome is then known and recorded instead of becoming a duplicate.
	// The HTTP client's timeout bounds them.
	sendCtx := context.WithoutCancel(ctx)
	sem := make(chan struct{}, m.cfg.MaxInFlight)
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		l.rec.close()
	}()

	// Claims smaller than this wait for a flush instead: a trickle of
	// one-message claims would cost a transaction each.
	minClaim := max(1, m.cfg.ClaimBatch/4)
	for ctx.Err() == nil && !l.stopped.Load() && !l.unsure.Load() {
		room := m.cfg.ClaimBatch - int(l.outstanding.Load())
		if room < minClaim {
			l.waitRoom(ctx)
			continue
		}
		// While the upstream is down every loop waits here; the one whose
		// turn it is sends its oldest due message as the probe.
		probe, err := m.br.acquire(ctx)
		if err != nil {
			break
		}
		s = r.getSender()
		l.lim.SetTarget(m.throughput(s))
		l.dep.SetTarget(m.throughput(s))
		if mt := m.cfg.Metrics; mt != nil {
			mt.SenderRate.WithLabelValues(r.id).Set(l.lim.Rate())
		}
		now := m.cfg.Now()
		limit := min(room, l.lim.Available(now, claimHorizon))
		if probe {
			limit = min(limit, 1)
		}
		msgs, err := l.claim(ctx, now, limit)
		if probe && len(msgs) == 0 {
			m.br.release()
		}
		if err != nil {
			// The claim may have committed without us learning it; rows
			// in sending that nobody counts would break the bound.
			l.log.Error("claim messages; the loop restarts at the next lease tick", "err", err)
			l.unsure.Store(true)
			break
		}
		if len(msgs) == 0 {
			l.idle(ctx)
			continue
		}
		// With a batch stage the whole claim is decided at once, its
		// messaging-limit slots reserved in one transaction.
		var lates []*LateRefusal
		var lateErrs []error
		var checkedAll time.Time
		if l.batch != nil {
			checkedAll = m.cfg.Now()
			lates, lateErrs = l.batch.CheckSends(ctx, msgs, checkedAll)
		}
		for i := range msgs {
			// The send-time stage first: a refused message takes neither a
			// slot nor a token of the number's throughput.
			var checked time.Time
			if m.cfg.SendTime != nil {
				var late *LateRefusal
				var err error
				if l.batch != nil {
					checked, late, err = checkedAll, lates[i], lateErrs[i]
				} else {
					checked = m.cfg.Now()
					late, err = m.cfg.SendTime.CheckSend(ctx, &msgs[i], checked)
				}
				if l.applyLate(s, &msgs[i], probe, checked, late, err) {
					if probe {
						probe = false // the probe's slot was released; the next claim probes
					}
					continue
				}
			}
			// The pair rate next: a recipient still repaying a burst
			// has its message set aside until its next slot, and the
			// loop goes on with the others.
			if l.setAsideForPair(&msgs[i], probe) {
				probe = false
				continue
			}
			if !l.admit(ctx, sem, probe) {
				// Stopping, or the upstream went down: the rest keep
				// their place in the queue, and give back the slots the
				// batch took for them.
				l.unreserve(&msgs[i])
				for j := i; j < len(msgs); j++ {
					if lates == nil || (lates[j] == nil && lateErrs[j] == nil) {
						l.releaseSlot(&msgs[j])
					}
				}
				l.putBack(msgs[i:])
				if probe {
					m.br.release()
				}
				// Claim again only once everything is back in the queue,
				// so that the next claim (the probe's included) takes the
				// oldest messages first.
				for l.outstanding.Load() > 0 && ctx.Err() == nil {
					l.waitRoom(ctx)
				}
				break
			}
			wg.Add(1)
			go func(s store.Sender, msg *store.Message, probe bool) {
				defer wg.Done()
				defer func() { <-sem }()
				l.send(sendCtx, s, msg, probe, checked)
			}(s, &msgs[i], probe)
		}
	}
}

// claim claims up to limit due messages and counts them as outstanding.
// A stop must not cancel a claim half way: its rows would be in sending
// while the loop could not know it, so the claim runs to its end and a loop
// told to stop puts what it got back.
func (l *loop) claim(ctx context.Context, now time.Time, limit int) ([]store.Message, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	l.heldMu.Lock()
	defer l.heldMu.Unlock()
	msgs, err := l.m.st.ClaimMessages(cctx, l.r.id, now, limit, l.m.cfg.ClaimLease)
	return l.hold(msgs), err
}

// hold counts claimed messages as outstanding and returns those the loop
// did not hold already; a message it holds keeps its one outcome. The
// caller holds heldMu.
func (l *loop) hold(msgs []store.Message) []store.Message {
	fresh := msgs[:0]
	for _, msg := range msgs {
		if _, ok := l.held[msg.ID]; ok {
			l.log.Warn("claim lease lapsed while the message's outcome was pending; not sending it again", "message", msg.ID)
			continue
		}
		l.held[msg.ID] = struct{}{}
		fresh = append(fresh, msg)
	}
	l.outstanding.Add(int64(len(fresh)))
	return fresh
}

// recorded is the recorder's report of one flush of outcomes; after a
// recorded flush it runs with heldMu held, in the same critical section as
// the flush.
func (l *loop) recorded(outs []store.Outcome, ok bool) {
	if ok {
		for _, o := range outs {
			delete(l.held, o.MessageID)
		}
		l.outstanding.Add(-int64(len(outs)))
	} else {
		l.unsure.Store(true)
	}
	select {
	case l.room <- struct{}{}:
	default: // a signal is already pending
	}
}

// waitRoom waits until a flush may have made room for a claim. Outcomes
// waiting in the recorder are flushed at once: the loop has nothing better
// to do than wait for them.
func (l *loop) waitRoom(ctx context.Context) {
	l.rec.kick()
	select {
	case <-l.room:
	case <-ctx.Done():
	}
}

// admit waits for a token of the bucket and a free in-flight slot. It
// returns false when the loop must stop instead.
func (l *loop) admit(ctx context.Context, sem chan struct{}, probe bool) bool {
	if ctx.Err() != nil || l.stopped.Load() || (!probe && l.m.br.isOpen()) {
		return false
	}
	// The slot first, then the token: a send leaves right after its
	// token's time, never later because every slot was busy.
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	if d := l.lim.Reserve(l.m.cfg.Now()); d > 0 {
		if err := l.m.cfg.Sleep(ctx, d); err != nil {
			<-sem
			return false
		}
	}
	// A send that finished while we waited may have stopped the sender,
	// or opened the upstream's breaker.
	if l.stopped.Load() || (!probe && l.m.br.isOpen()) {
		<-sem
		return false
	}
	return true
}

// idle waits for a Notify, the poll interval, or the end.
func (l *loop) idle(ctx context.Context) {
	t := time.NewTimer(l.m.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-l.r.wake:
		// New messages are being committed right now, usually in a stream
		// of group commits; lingering lets several share one claim. On
		// PostgreSQL, where every commit waits for the disk, this is what
		// keeps many senders from multiplying transactions.
		if d := l.m.cfg.ClaimLinger; d > 0 {
			_ = l.m.cfg.Sleep(ctx, d)
		}
	case <-t.C:
	case <-ctx.Done():
	}
}

// putBack returns claimed but unsent messages to the queue unchanged, so
// they keep their place and the next owner need not wait for the claim
// lease to lapse.
func (l *loop) putBack(msgs []store.Message) {
	now := l.m.cfg.Now()
	for i := range msgs {
		l.rec.add(requeued(&msgs[i], now), nil)
	}
}

func requeued(msg *store.Message, now time.Time) store.Outcome {
	next := msg.NextAttemptAt
	if next.IsZero() {
		next = now
	}
	return store.Outcome{
		MessageID:     msg.ID,
		State:         store.StateQueued,
		Attempts:      msg.Attempts,
		NextAttemptAt: next,
		ErrorCode:     msg.ErrorCode,
		ErrorDetail:   msg.ErrorDetail,
		At:            now,
	}
}

// send makes one attempt and records its outcome.
// send sends one admitted message; checked is when the send-time stage
// last allowed it (zero without a stage).
func (l *loop) send(ctx context.Context, s store.Sender, msg *store.Message, probe bool, checked time.Time) {
	m := l.m
	if err := l.dep.Leave(ctx, m.cfg.Now, m.cfg.Sleep); err != nil {
		if probe {
			m.br.release()
		}
		l.unreserve(msg)
		l.releaseSlot(msg)
		l.rec.add(requeued(msg, m.cfg.Now()), nil)
		return
	}
	if now := m.cfg.Now(); now.UnixNano() >= l.r.fence.Load() {
		if probe {
			m.br.release()
		}
		// The lease may have lapsed and another replica may own the sender
		// now: put the message back instead of sending it a second time.
		l.log.Warn("lease not renewed in time, holding sends", "message_id", msg.ID)
		l.unreserve(msg)
		l.releaseSlot(msg)
		l.rec.add(requeued(msg, now), nil)
		return
	}
	// Asked again when the pacing held the message long enough for its
	// facts to have changed.
	if m.cfg.SendTime != nil && m.cfg.Now().Sub(checked) > recheckAfter && l.recheck(ctx, s, msg, probe) {
		l.unreserve(msg)
		return
	}
	start := time.Now()
	resp, err := m.up.Send(ctx, m.cfg.TokenFor(s), s.PhoneNumberID, msg.Body)
	at := m.cfg.Now()
	mt := m.cfg.Metrics
	if mt != nil {
		mt.UpstreamLatency.Observe(time.Since(start).Seconds())
	}
	attempts := msg.Attempts + 1
	if err == nil {
		if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
			err = errors.New("send answer without a message id")
		} else {
			o := store.Outcome{MessageID: msg.ID, State: store.StateSent, MetaID: resp.Messages[0].ID, WaID: msg.WaID,
				MessageStatus: resp.Messages[0].MessageStatus, Attempts: attempts, At: at}
			if len(resp.Contacts) > 0 && resp.Contacts[0].WaID != "" {
				o.WaID = resp.Contacts[0].WaID
			}
			if mt != nil {
				mt.Sent.WithLabelValues(s.PhoneNumberID).Inc()
				mt.MessageStatus.WithLabelValues(messageStatusLabel(o.MessageStatus)).Inc()
				if !msg.CreatedAt.IsZero() {
					mt.DispatchLatency.Observe(at.Sub(msg.CreatedAt).Seconds())
				}
			}
			m.br.report(false, probe)
			l.rec.add(o, nil)
			return
		}
	}

	action, code := Classify(err)
	if action != ActionPairRate {
		// Meta did not take the message: its pair slot is free again.
		l.unreserve(msg)
	}
	if code == wire.CodeMaintenance {
		// 131057: this number is in maintenance (a throughput upgrade,
		// up to a minute): pause it, not the upstream.
		action = actionPause
	}
	// Only outage-class failures count against the upstream; any other
	// answer shows it working.
	down := m.br.report(action == ActionBackoff, probe)
	detail := errorDetail(err)
	label := strconv.Itoa(code)
	o := store.Outcome{MessageID: msg.ID, State: store.StateQueued, Attempts: attempts, ErrorCode: code, ErrorDetail: detail, At: at}
	log := l.log.With("message", msg.ID, "code", code, "attempts", attempts, "action", action.String())
	// Horizons count from when the message became sendable: acceptance,
	// or the end of the gateway's last deferral of it.
	age := time.Duration(0)
	if base := msg.HorizonBase(); !base.IsZero() {
		age = at.Sub(base)
	}
	switch action {
	case ActionThrottle:
		if l.lim.SlowDown(at) {
			log.Warn("throttled by Meta, slowing down", "rate", l.lim.Rate())
			if mt != nil {
				mt.SenderRate.WithLabelValues(s.PhoneNumberID).Set(l.lim.Rate())
			}
		}
		if age >= m.cfg.ThrottleHorizon {
			action = l.giveUp(&o, &code, &detail, attempts, m.cfg.ThrottleHorizon, "throttled")
			break
		}
		o.NextAttemptAt = at.Add(throttleDelay(attempts, retryAfterOf(err)))
	case ActionPairRate:
		if age >= m.cfg.PairRateHorizon {
			action = l.giveUp(&o, &code, &detail, attempts, m.cfg.PairRateHorizon, "pair rate limited")
			break
		}
		o.NextAttemptAt = at.Add(pairDelay(msg.Attempts))
		// Meta's count for this recipient is ahead of ours (another
		// owner's sends, a late arrival): nothing more goes to it
		// before the retry.
		l.pair.Penalize(pairKey(msg.WaID, msg.Input), at, o.NextAttemptAt)
	case actionPause:
		if age >= m.cfg.OutageHorizon {
			action = l.giveUp(&o, &code, &detail, attempts, m.cfg.OutageHorizon, "number in maintenance")
			break
		}
		until := at.Add(maintenancePause)
		if l.lim.PausedUntil().Before(at) {
			log.Warn("number in maintenance, pausing its sends", "until", until)
		}
		l.lim.Pause(until)
		o.NextAttemptAt = until
	case ActionLater:
		o.NextAttemptAt = at.Add(laterDelay)
	case ActionBackoff:
		if (m.cfg.MaxAttempts > 0 && attempts >= m.cfg.MaxAttempts) || age >= m.cfg.OutageHorizon {
			action = l.giveUp(&o, &code, &detail, attempts, m.cfg.OutageHorizon, "upstream unavailable")
			break
		}
		if down {
			// The breaker paces retries now: the message stays due and
			// keeps its place, and goes out with the backlog once a
			// probe succeeds, instead of waiting out its own backoff.
			o.NextAttemptAt = at
			break
		}
		o.NextAttemptAt = at.Add(backoffDelay(attempts, m.jitter))
	case ActionStopSender:
		// Not the message's fault: it keeps its attempts and its place.
		o = requeued(msg, at)
		o.ErrorCode, o.ErrorDetail = code, detail
		if m.cfg.Brakes != nil {
			if l.brake(s, msg, code, detail, at) {
				l.rec.add(o, nil)
				return
			}
			break
		}
		if l.stopSender(s, code, detail, at) {
			// Tell the tenant, in the same transaction as this outcome.
			f, ferr := SenderEventForward(s, SenderEventStopped, code, detail, at)
			if ferr != nil {
				log.Error("build sender event", "err", ferr)
			} else {
				l.rec.add(o, &f)
				return
			}
		}
	}

	if action == ActionFail {
		ge := graphError(err, code, detail)
		f, ferr := failedForward(s, msg, at, ge)
		o.State = store.StateFailed
		o.NextAttemptAt = time.Time{}
		if mt != nil {
			mt.Failed.WithLabelValues(label).Inc()
		}
		log.Warn("message failed", "detail", detail)
		if ferr != nil {
			log.Error("build failed status", "err", ferr)
			l.rec.add(o, nil)
			return
		}
		l.rec.add(o, &f)
		return
	}
	if mt != nil && action != ActionStopSender {
		mt.Retried.WithLabelValues(label).Inc()
	}
	log.Debug("message rescheduled", "next", o.NextAttemptAt)
	l.rec.add(o, nil)
}

// unreserve gives back msg's pair-rate reservation (see
// pairLimiter.Release).
func (l *loop) unreserve(msg *store.Message) {
	l.pair.Release(pairKey(msg.WaID, msg.Input))
}

// setAsideForPair reserves msg's recipient's pair-rate slot, or, when the
// recipient is still repaying, puts msg back in the queue due at its next
// slot and reports true. A set-aside message keeps its attempts: nothing
// was sent.
func (l *loop) setAsideForPair(msg *store.Message, probe bool) bool {
	m := l.m
	now := m.cfg.Now()
	next := l.pair.Reserve(pairKey(msg.WaID, msg.Input), now)
	if next.IsZero() {
		return false
	}
	if probe {
		m.br.release() // nothing was asked of the upstream
	}
	l.releaseSlot(msg) // it goes later: its messaging-limit slot is asked again then
	if mt := m.cfg.Metrics; mt != nil {
		mt.PairDeferred.WithLabelValues(l.r.id).Inc()
	}
	o := requeued(msg, now)
	o.NextAttemptAt = next
	l.rec.add(o, nil)
	return true
}

// giveUp turns a retry into a final failure once its horizon has passed,
// keeping Meta's code when there is one (131000 otherwise).
func (l *loop) giveUp(o *store.Outcome, code *int, detail *string, attempts int, horizon time.Duration, why string) Action {
	if *code == 0 {
		*code = wire.CodeGenericUser
	}
	*detail = fmt.Sprintf("gave up after %d attempts (%s for longer than %s): %s", attempts, why, horizon, *detail)
	o.ErrorCode, o.ErrorDetail = *code, *detail
	return ActionFail
}

// brake hands an account-level error to the risk engine and obeys its
// answer: the loop ends when the sender is now stopped. It reports whether
// the outcome is recorded by the caller at once (always: the message is put
// back either way, and the engine tells the tenant).
func (l *loop) brake(s store.Sender, msg *store.Message, code int, detail string, at time.Time) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stop, err := l.m.cfg.Brakes.SendRefused(ctx, s, msg.Category, code, detail, at)
	if err != nil {
		// The engine could not record its decision: stop this loop, the
		// cautious answer; the next lease tick starts it again and the
		// next refusal asks the engine again.
		l.log.Error("risk engine: account-level error not recorded; loop stopped", "code", code, "err", err)
		stop = true
	}
	if stop && l.stopped.CompareAndSwap(false, true) {
		l.log.Warn("sender stopped by the risk engine", "code", code, "detail", detail)
	}
	return true
}

// stopSender stops the sender once: later errors of the same burst only
// requeue their messages.
func (l *loop) stopSender(s store.Sender, code int, detail string, at time.Time) bool {
	if !l.stopped.CompareAndSwap(false, true) {
		return false
	}
	l.log.Error("sender stopped by Meta", "code", code, "detail", detail)
	if mt := l.m.cfg.Metrics; mt != nil {
		mt.SenderStopped.WithLabelValues(strconv.Itoa(code)).Inc()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reason := fmt.Sprintf("(#%d) %s", code, wire.Title(code))
	if detail != "" {
		reason += ": " + detail
	}
	if err := l.m.st.SetSenderState(ctx, s.PhoneNumberID, store.SenderStopped, code, reason, at); err != nil {
		l.log.Error("record sender stop", "err", err)
	}
	return true
}

// errorDetail is what is stored about a failure: Graph's details, or the
// error text (token-free by cloudapi's contract).
func errorDetail(err error) string {
	var ge *wire.Error
	if errors.As(err, &ge) {
		if d := ge.Details(); d != "" {
			return d
		}
		return ge.Message
	}
	return err.Error()
}

func retryAfterOf(err error) int {
	var ge *wire.Error
	if errors.As(err, &ge) {
		return ge.RetryAfter
	}
	return 0
}

// graphError is the error shown to the tenant in a failed status: Meta's
// own when there is one.
func graphError(err error, code int, detail string) *wire.Error {
	var ge *wire.Error
	if errors.As(err, &ge) && ge.Code == code {
		return ge
	}
	return wire.NewError(code, detail)
}

// recorder groups outcomes into RecordOutcomes transactions: it flushes when
// ClaimBatch outcomes are waiting, FlushDelay after the first unflushed one,
// or when kicked, so a burst of answers becomes one transaction.
type recorder struct {
	ctx     context.Context
	st      Store
	max     int
	delay   time.Duration
	log     *slog.Logger
	lock    sync.Locker                         // held across a recording and its report
	flushed func(outs []store.Outcome, ok bool) // after each flush: recorded, or given up
	in      chan recItem
	kicks   chan struct{}
	done    chan struct{}
}

type recItem struct {
	o store.Outcome
	f *store.Forward
}

func newRecorder(ctx context.Context, st Store, maxBatch int, delay time.Duration, log *slog.Logger, lock sync.Locker, flushed func(outs []store.Outcome, ok bool)) *recorder {
	r := &recorder{ctx: ctx, st: st, max: maxBatch, delay: delay, log: log, lock: lock, flushed: flushed,
		in: make(chan recItem, 2*maxBatch), kicks: make(chan struct{}, 1), done: make(chan struct{})}
	go r.run()
	return r
}

func (r *recorder) add(o store.Outcome, f *store.Forward) { r.in <- recItem{o, f} }

// kick asks for what is waiting to be flushed now rather than after
// FlushDelay. It never blocks.
func (r *recorder) kick() {
	select {
	case r.kicks <- struct{}{}:
	default:
	}
}

// close flushes what is left and waits; no add may follow.
func (r *recorder) close() {
	close(r.in)
	<-r.done
}

func (r *recorder) run() {
	defer close(r.done)
	outs := make([]store.Outcome, 0, r.max)
	var fwds []store.Forward
	t := time.NewTimer(time.Hour)
	t.Stop()
	flush := func() {
		t.Stop()
		if len(outs) > 0 {
			r.flush(outs, fwds)
		}
		outs, fwds = outs[:0], fwds[:0]
	}
	for {
		if len(outs) == 0 {
			var it recItem
			var ok bool
			select {
			case it, ok = <-r.in:
			case <-r.kicks:
				continue // nothing waits; a stale kick must not cut the next batch short
			}
			if !ok {
				return
			}
			outs = append(outs, it.o)
			if it.f != nil {
				fwds = append(fwds, *it.f)
			}
			t.Reset(r.delay)
		}
		select {
		case it, ok := <-r.in:
			if !ok {
				flush()
				return
			}
			outs = append(outs, it.o)
			if it.f != nil {
				fwds = append(fwds, *it.f)
			}
			if len(outs) >= r.max {
				flush()
			}
		case <-t.C:
			flush()
		case <-r.kicks:
			flush()
		}
	}
}

// flush records one batch, retrying a few times: an outcome that is never
// recorded makes its message go out again after the claim lease.
func (r *recorder) flush(outs []store.Outcome, fwds []store.Forward) {
	var err error
	for try := range 4 {
		if try > 0 {
			if sleepCtx(r.ctx, time.Duration(try)*200*time.Millisecond) != nil {
				break
			}
		}
		ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
		r.lock.Lock()
		err = r.st.RecordOutcomes(ctx, outs, fwds)
		if err == nil {
			r.flushed(outs, true)
		}
		r.lock.Unlock()
		cancel()
		if err == nil {
			return
		}
		r.log.Warn("record outcomes", "n", len(outs), "try", try+1, "err", err)
	}
	r.log.Error("outcomes lost; their messages will be sent again", "n", len(outs), "err", err)
	r.flushed(outs, false)
}

// messageStatusLabel bounds the metric's label to Meta's documented
// message_status values: anything else counts as "other", no status as
// "none".
func messageStatusLabel(status string) string {
	switch status {
	case "":
		return "none"
	case wire.MessageStatusAccepted, wire.MessageStatusHeld, wire.MessageStatusPaused:
		return status
	}
	return "other"
}

// releaseSlot gives back the messaging-limit slot a batch stage took for
// msg, which is not sent now. A failure is logged: the slot then stays
// taken until it leaves the window (slower, never faster).
func (l *loop) releaseSlot(msg *store.Message) {
	if l.batch == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.batch.ReleaseSend(ctx, msg); err != nil {
		l.log.Warn("give back messaging-limit slot", "message_id", msg.ID, "err", err)
	}
}

// recheck runs the send-time stage again on a message the pacing held, and
// reports whether it took care of the message. A batch stage keeps the
// slot it took; a deferred message gives it back.
func (l *loop) recheck(ctx context.Context, s store.Sender, msg *store.Message, probe bool) bool {
	now := l.m.cfg.Now()
	if l.batch == nil {
		late, err := l.m.cfg.SendTime.CheckSend(ctx, msg, now)
		return l.applyLate(s, msg, probe, now, late, err)
	}
	late, err := l.batch.RecheckSend(ctx, msg, now)
	if l.applyLate(s, msg, probe, now, late, err) {
		l.releaseSlot(msg)
		return true
	}
	return false
}

// applyLate acts on the send-time stage's answer for msg, given at now,
// and reports whether it took care of the message (failed it, deferred
// it, or put it back because its facts could not be read).
func (l *loop) applyLate(s store.Sender, msg *store.Message, probe bool, now time.Time, late *LateRefusal, err error) bool {
	m := l.m
	if err == nil && late == nil {
		return false
	}
	if probe {
		m.br.release() // nothing was asked of the upstream
	}
	if err != nil {
		l.log.Warn("send-time facts unavailable, message held", "message_id", msg.ID, "err", err)
		o := requeued(msg, now)
		o.NextAttemptAt = now.Add(sendTimeRetry)
		l.rec.add(o, nil)
		return true
	}
	if !late.Until.IsZero() {
		l.log.Debug("message deferred at send time", "message_id", msg.ID, "code", late.Code, "until", late.Until)
		if mt := m.cfg.Metrics; mt != nil {
			mt.Deferred.WithLabelValues(late.Code).Inc()
		}
		o := requeued(msg, now)
		o.NextAttemptAt = late.Until
		// Its retry horizons count from when it may go again.
		o.ReadyAt = late.Until
		l.rec.add(o, nil)
		return true
	}
	o := store.Outcome{MessageID: msg.ID, State: store.StateFailed, Attempts: msg.Attempts, ErrorCode: late.Status.Code,
		ErrorDetail: late.Code + ": " + late.Status.Title, At: now}
	if mt := m.cfg.Metrics; mt != nil {
		mt.Failed.WithLabelValues(strconv.Itoa(late.Status.Code)).Inc()
	}
	l.log.Info("message refused at send time", "message_id", msg.ID, "code", late.Code)
	f, ferr := failedForwardAs(s, msg, now, late.Status)
	if ferr != nil {
		l.log.Error("build failed status", "err", ferr)
		l.rec.add(o, nil)
		return true
	}
	l.rec.add(o, &f)
	return true
}
