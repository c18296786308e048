package dispatch

import (
	"sync"
	"time"
)

// Meta's pair rate limit (meta-platform.md §1.3): one message every 6 s from
// a business number to the same user, with bursts of up to 45 messages in
// 6 s that borrow against later quota — after a burst the number must wait
// as long as those messages would have taken at the normal rate before the
// next one (a burst of 20 is about a 2-minute wait).
const (
	pairInterval = 6 * time.Second
	// DefaultPairBurst is Meta's burst allowance.
	DefaultPairBurst = 45
	// pairWindowMargin shortens the burst window the gateway plans with:
	// the pair limiter decides when a message is claimed, and the message
	// reaches Meta up to a token wait and a network trip later. A burst
	// planned in the first 4 s of Meta's 6 lands inside it.
	pairWindowMargin = 2 * time.Second
	// pairSlotMargin is added to the end of a repayment before a new burst
	// starts, for the same reason: Meta's clock for the recipient started
	// when the first message of the previous burst arrived, a little after
	// the gateway decided to send it, and a message that arrives before the
	// repayment is over, outside a burst, is refused.
	pairSlotMargin = 1500 * time.Millisecond
	// pairAsideSpread bounds how far past a busy recipient's next slot its
	// set-aside messages are spread: the ones that cannot go at the slot
	// come due a slot's worth apart instead of all at once, so a backlog to
	// one person is not claimed and put back again every 6 s, and none waits
	// long beyond its turn (an opt-out still reaches each within it).
	pairAsideSpread = 30 * time.Second
	// pairPruneEvery is how many decisions pass between sweeps of idle
	// recipients: the map holds only recipients still repaying a burst.
	pairPruneEvery = 1024
)

// pairLimiter is the pair rate limit of one sender, as the gateway plans
// it: a message to a recipient that is still repaying is set aside until
// the recipient's next slot, and the sender's other recipients go on. A
// sender is dispatched by one replica at a time, so the state is exact
// while the loop runs. A new owner does not know what the previous one
// sent in the last minutes, so it plans without bursts for the first
// DefaultPairBurst intervals (4.5 min) of its ownership: at most one
// message per recipient per 6 s, which is never more than Meta's plain
// rate; a recipient the previous owner left repaying a burst answers
// 131056 once, and Penalize then holds it back. Safe for concurrent use.
type pairLimiter struct {
	mu     sync.Mutex
	burst  int
	window time.Duration
	// noBurstUntil is the end of the cautious start after a hand-over.
	noBurstUntil time.Time
	m            map[string]*pairState
	ops          int
}

// pairState is one recipient's account: the time its quota is repaid (each
// message adds one interval) and the current burst.
type pairState struct {
	repaid   time.Time // no debt from then on
	burstEnd time.Time // sends inside the current burst until then
	n        int       // messages in the current burst
	// aside counts the messages set aside for the slot asideFor.
	aside    int
	asideFor time.Time
}

// newPairLimiter returns the limiter of a loop started at now; burst is the
// most messages planned in one burst (DefaultPairBurst when not positive).
func newPairLimiter(burst int, now time.Time) *pairLimiter {
	if burst <= 0 {
		burst = DefaultPairBurst
	}
	return &pairLimiter{burst: burst, window: pairInterval - pairWindowMargin, m: map[string]*pairState{},
		noBurstUntil: now.Add(time.Duration(DefaultPairBurst) * pairInterval)}
}

// Reserve decides for one message to to at now: it either counts the
// message and returns zero, or leaves the account unchanged and returns the
// time from which to is free again.
func (p *pairLimiter) Reserve(to string, now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ops++
	if p.ops%pairPruneEvery == 0 {
		p.prune(now)
	}
	s := p.m[to]
	switch {
	case s == nil:
		s = &pairState{}
		p.m[to] = s
		fallthrough
	case !now.Before(s.repaid.Add(pairSlotMargin)):
		// Nothing owed: a new burst starts with this message.
		s.repaid, s.burstEnd, s.n = now, now.Add(p.window), 0
	case now.Before(s.burstEnd) && s.n < p.burst && !now.Before(p.noBurstUntil):
		// Inside the current burst.
	default:
		return p.setAside(s, now)
	}
	s.repaid = s.repaid.Add(pairInterval)
	s.n++
	return time.Time{}
}

// setAside returns when a message to a busy recipient is due again: the
// recipient's next slot for as many as a slot takes (a burst, or one
// during the cautious start), a slot later for the next as many, and so on
// up to pairAsideSpread. p.mu is held.
func (p *pairLimiter) setAside(s *pairState, now time.Time) time.Time {
	slot := s.repaid.Add(pairSlotMargin)
	if !s.asideFor.Equal(slot) {
		s.asideFor, s.aside = slot, 0
	}
	perSlot := p.burst
	if now.Before(p.noBurstUntil) {
		perSlot = 1
	}
	k := s.aside
	s.aside++
	return slot.Add(min(time.Duration(k/perSlot)*pairInterval, pairAsideSpread))
}

// Release gives back the reservation of a message to to that did not
// reach Meta or that Meta refused (Meta counts only the messages it
// accepts): the recipient's account goes back one interval, and a
// recipient left owing nothing is forgotten.
func (p *pairLimiter) Release(to string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.m[to]
	if s == nil || s.n == 0 {
		return
	}
	s.n--
	s.repaid = s.repaid.Add(-pairInterval)
	if s.n == 0 {
		delete(p.m, to)
	}
}

// Penalize records Meta's 131056 for to: nothing more goes to it before
// until, and no burst is left to use.
func (p *pairLimiter) Penalize(to string, now, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.m[to]
	if s == nil {
		s = &pairState{}
		p.m[to] = s
	}
	if until.After(s.repaid) {
		s.repaid = until
	}
	s.burstEnd, s.n = now, p.burst
}

// Len is how many recipients are tracked.
func (p *pairLimiter) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.m)
}

// prune forgets recipients that owe nothing: their state would start a new
// burst anyway. p.mu is held.
func (p *pairLimiter) prune(now time.Time) {
	for k, s := range p.m {
		if !now.Before(s.repaid.Add(pairSlotMargin)) {
			delete(p.m, k)
		}
	}
}

// pairKey is the recipient a message counts against: its wa_id, or the
// address as written (a business-scoped user id) when there is none.
func pairKey(to, input string) string {
	if to != "" {
		return to
	}
	return input
}
