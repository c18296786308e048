package sim

import "time"

// timeRing holds the most recent n timestamps in arrival order.
type timeRing struct {
	buf   []time.Time
	head  int // index of the oldest
	count int
}

func newTimeRing(n int) timeRing { return timeRing{buf: make([]time.Time, max(n, 1))} }

func (r *timeRing) oldest() time.Time { return r.buf[r.head] }

func (r *timeRing) full() bool { return r.count == len(r.buf) }

func (r *timeRing) push(t time.Time) {
	if r.full() {
		r.buf[r.head] = t
		r.head = (r.head + 1) % len(r.buf)
		return
	}
	r.buf[(r.head+r.count)%len(r.buf)] = t
	r.count++
}

func (r *timeRing) popOldest() {
	r.head = (r.head + 1) % len(r.buf)
	r.count--
}

// grow doubles capacity, keeping order; used by the peak meter only.
func (r *timeRing) grow() {
	nb := make([]time.Time, 2*len(r.buf))
	for i := 0; i < r.count; i++ {
		nb[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = nb, 0
}

// maxWindowCap bounds the peak meter's memory; beyond it MaxPerSecond saturates.
const maxWindowCap = 1 << 18

// throughputAllows enforces ThroughputMPS as "at most MPS messages in any
// sliding one-second window", inbound messages included (Meta: "inbound and
// outbound, all message types count"). Meta states the limit in messages per second
// without a documented burst allowance; the sliding window is the strictest
// reading, so a gateway that never sees 130429 here stays under Meta's limit,
// and it agrees exactly with MaxPerSecond in Stats. ns.mu must be held.
func (ns *numberState) throughputAllows(now time.Time) bool {
	return !ns.tp.full() || !ns.tp.oldest().After(now.Add(-time.Second))
}

// meter records an accepted send, or an inbound message, for the
// throughput limiter and the peak meter; ns.mu must be held.
func (ns *numberState) meter(now time.Time) {
	ns.tp.push(now)
	cut := now.Add(-time.Second)
	for ns.window.count > 0 && !ns.window.oldest().After(cut) {
		ns.window.popOldest()
	}
	if ns.window.full() && len(ns.window.buf) < maxWindowCap {
		ns.window.grow()
	}
	ns.window.push(now)
	if ns.window.count > ns.maxPerSec {
		ns.maxPerSec = ns.window.count
	}
}

// Pair rate (Meta §1.3): "1 message every 6 seconds to the same WhatsApp
// user"; "bursts of up to 45 messages in 6 s are allowed but borrow against
// future quota: after a burst you must wait as long as those messages would
// have taken at the normal rate (burst of 20 ≈ 2 min wait)". Per recipient
// the simulator keeps when its quota is repaid (each accepted message adds
// 6 s) and the current burst: a message is accepted when nothing is owed (it
// starts a burst), or inside the 6 s of the current burst while it holds
// fewer than 45; otherwise it is refused with 131056 until the debt is
// repaid. So a burst of 20 is followed by 2 minutes without messages to that
// user, as the documentation says — a plain token bucket would instead let
// the 25 unused messages through at once.
const (
	pairBurst    = 45
	pairInterval = 6 * time.Second
	// pairPruneAt bounds the map; recipients owing nothing carry no state
	// and go first.
	pairPruneAt = 100_000
)

type pairAccount struct {
	repaid   time.Time // nothing owed from then on
	burstEnd time.Time // the current burst accepts messages until then
	n        int       // messages in the current burst
}

// pairAllows reports whether a message to waID fits the pair rate; ns.mu must be held.
func (ns *numberState) pairAllows(waID string, now time.Time) bool {
	a := ns.pairs[waID]
	return a == nil || !now.Before(a.repaid) || (now.Before(a.burstEnd) && a.n < pairBurst)
}

// pairTake counts an accepted message to waID; ns.mu must be held.
func (ns *numberState) pairTake(waID string, now time.Time) {
	a := ns.pairs[waID]
	if a == nil {
		if len(ns.pairs) >= pairPruneAt {
			ns.prunePairs(now)
		}
		a = &pairAccount{}
		ns.pairs[waID] = a
	}
	if !now.Before(a.repaid) {
		a.repaid, a.burstEnd, a.n = now, now.Add(pairInterval), 0
	}
	a.repaid = a.repaid.Add(pairInterval)
	a.n++
}

func (ns *numberState) prunePairs(now time.Time) {
	for k, a := range ns.pairs {
		if !now.Before(a.repaid) {
			delete(ns.pairs, k)
		}
	}
}

// serviceWindow is Meta's customer service window after an inbound message.
const serviceWindow = 24 * time.Hour

// inWindow reports whether waID messaged this number in the last 24 h; ns.mu must be held.
func (ns *numberState) inWindow(waID string, now time.Time) bool {
	t, ok := ns.csw[waID]
	if !ok {
		return false
	}
	if now.Sub(t) >= serviceWindow {
		delete(ns.csw, waID)
		return false
	}
	return true
}

type reach struct {
	waID string
	at   time.Time
}

// countRecipient applies the portfolio messaging limit (Meta §1.1): unique
// users reached outside a service window in a moving 24 h, counted on the
// business portfolio and shared by all its numbers. A user counts while
// their last reach is within the 24 hours. It reports whether waID may be
// reached, counting it; p.mu must not be held.
//
// Meta documents no synchronous error for this limit, so the simulator
// accepts the send and fails it asynchronously with 131048 ("Spam rate limit
// hit: restrictions on how many messages can be sent from this number"), the
// documented code closest in meaning. A failed message is not counted.
func (p *portfolioState) countRecipient(waID string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	cut := now.Add(-serviceWindow)
	for len(p.reachLog) > 0 && !p.reachLog[0].at.After(cut) {
		old := p.reachLog[0]
		if t, ok := p.reached[old.waID]; ok && t.Equal(old.at) {
			delete(p.reached, old.waID)
		}
		p.reachLog[0] = reach{}
		p.reachLog = p.reachLog[1:]
	}
	if _, ok := p.reached[waID]; !ok && p.limit >= 0 && len(p.reached) >= p.limit {
		return false
	}
	p.reached[waID] = now
	p.reachLog = append(p.reachLog, reach{waID, now})
	return true
}
