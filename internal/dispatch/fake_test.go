package dispatch

import (
	"context"
	"github.com/wabaguard/wabaguard/internal/clocktest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// memStore is an in-memory Store with the semantics documented on
// store.Messages and store.Leases, for pure dispatcher tests.
type memStore struct {
	mu       sync.Mutex
	seq      int64
	msgs     map[string]*store.Message
	senders  map[string]store.Sender
	leases   map[string]lease
	forwards []store.Forward
	requeues map[string]int // RequeueInFlight calls per sender
	claims   atomic.Int64
	records  atomic.Int64 // RecordOutcomes calls
}

type lease struct {
	owner string
	until time.Time
}

func newMemStore() *memStore {
	return &memStore{msgs: map[string]*store.Message{}, senders: map[string]store.Sender{},
		leases: map[string]lease{}, requeues: map[string]int{}}
}

func (s *memStore) addSender(sd store.Sender) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sd.State == "" {
		sd.State = store.SenderActive
	}
	s.senders[sd.PhoneNumberID] = sd
}

func (s *memStore) addMessage(m store.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m.Seq = s.seq
	if m.State == "" {
		m.State = store.StateQueued
	}
	s.msgs[m.ID] = &m
}

func (s *memStore) get(id string) store.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.msgs[id]
}

func (s *memStore) count(st store.MessageState) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.msgs {
		if m.State == st {
			n++
		}
	}
	return n
}

func (s *memStore) getForwards() []store.Forward {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.forwards)
}

func (s *memStore) ClaimMessages(_ context.Context, senderID string, now time.Time, limit int, ttl time.Duration) ([]store.Message, error) {
	s.claims.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*store.Message
	for _, m := range s.msgs {
		if m.SenderID != senderID {
			continue
		}
		if (m.State == store.StateQueued && !m.NextAttemptAt.After(now)) ||
			(m.State == store.StateSending && !m.ClaimedUntil.After(now)) {
			due = append(due, m)
		}
	}
	slices.SortFunc(due, func(a, b *store.Message) int { return int(a.Seq - b.Seq) })
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]store.Message, len(due))
	for i, m := range due {
		m.State = store.StateSending
		m.ClaimedUntil = now.Add(ttl)
		out[i] = *m
	}
	return out, nil
}

func (s *memStore) RequeueInFlight(_ context.Context, senderID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requeues[senderID]++
	n := 0
	for _, m := range s.msgs {
		if m.SenderID == senderID && m.State == store.StateSending {
			m.State = store.StateQueued
			m.ClaimedUntil = time.Time{}
			n++
		}
	}
	return n, nil
}

func (s *memStore) RecordOutcomes(_ context.Context, outs []store.Outcome, fwds []store.Forward) error {
	s.records.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	unsettled := map[string]bool{}
	for _, o := range outs {
		st := s.msgs[o.MessageID].State
		unsettled[o.MessageID] = st == store.StateQueued || st == store.StateSending
	}
	for _, o := range outs {
		m := s.msgs[o.MessageID]
		m.State = o.State
		m.Attempts = o.Attempts
		m.NextAttemptAt = o.NextAttemptAt
		m.ErrorCode, m.ErrorDetail = o.ErrorCode, o.ErrorDetail
		m.ClaimedUntil = time.Time{}
		if !o.ReadyAt.IsZero() {
			m.ReadyAt = o.ReadyAt
		}
		if o.State == store.StateSent {
			m.MetaID, m.WaID, m.MessageStatus = o.MetaID, o.WaID, o.MessageStatus
		}
	}
	s.forwards = append(s.forwards, store.ForwardsFor(fwds, func(id string) bool { return unsettled[id] })...)
	return nil
}

func (s *memStore) GetSender(_ context.Context, id string) (store.Sender, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sd, ok := s.senders[id]
	if !ok {
		return store.Sender{}, store.ErrNotFound
	}
	return sd, nil
}

func (s *memStore) ListSenders(context.Context) ([]store.Sender, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Sender
	for _, sd := range s.senders {
		out = append(out, sd)
	}
	return out, nil
}

func (s *memStore) SetSenderState(_ context.Context, id string, st store.SenderState, code int, reason string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sd := s.senders[id]
	sd.State, sd.StateCode, sd.StateReason, sd.StateChangedAt = st, code, reason, at
	s.senders[id] = sd
	return nil
}

func (s *memStore) SendersWithDueMessages(_ context.Context, now time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for _, m := range s.msgs {
		if m.State == store.StateQueued && !m.NextAttemptAt.After(now) {
			set[m.SenderID] = true
		}
	}
	var out []string
	for id := range set {
		out = append(out, id)
	}
	return out, nil
}

func (s *memStore) AcquireLease(_ context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[name]
	if ok && l.owner != owner && l.until.After(now) {
		return false, nil
	}
	s.leases[name] = lease{owner, now.Add(ttl)}
	return true, nil
}

func (s *memStore) ReleaseLease(_ context.Context, name, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.leases[name].owner == owner {
		delete(s.leases, name)
	}
	return nil
}

func (s *memStore) ListLeases(_ context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Lease
	for name, l := range s.leases {
		if strings.HasPrefix(name, prefix) && l.until.After(now) {
			out = append(out, store.Lease{Name: name, Owner: l.owner, Until: l.until})
		}
	}
	slices.SortFunc(out, func(a, b store.Lease) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// fakeClock moves only when told to, or when the dispatcher sleeps on it.
type fakeClock = clocktest.Manual

func newFakeClock() *fakeClock {
	return clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}
