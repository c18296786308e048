package inbound

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// memStore is an in-memory stand-in with the contract's semantics, used
// until the SQLite engine is available.
type memStore struct {
	mu         sync.Mutex
	tenants    map[string]store.Tenant
	senders    map[string]store.Sender
	messages   map[string]*store.Message
	deliveries []*memDelivery
	keys       map[string]bool
	events     map[[2]string]store.StatusEvent
	inbound    map[string]store.InboundMessage
	windows    map[[2]string]time.Time
	forwards   []*memForward
}

type memDelivery struct {
	d       store.Delivery
	next    time.Time
	claimed time.Time
	done    bool
}

type memForward struct {
	f       store.Forward
	claimed time.Time
	state   string
}

func newMemStore() *memStore {
	return &memStore{
		tenants: map[string]store.Tenant{}, senders: map[string]store.Sender{}, messages: map[string]*store.Message{},
		keys: map[string]bool{}, events: map[[2]string]store.StatusEvent{}, inbound: map[string]store.InboundMessage{},
		windows: map[[2]string]time.Time{},
	}
}

func (m *memStore) PutTenant(_ context.Context, t store.Tenant) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tenants[t.ID] = t
	return nil
}

func (m *memStore) GetTenant(_ context.Context, id string) (store.Tenant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tenants[id]
	if !ok {
		return t, store.ErrNotFound
	}
	return t, nil
}

func (m *memStore) PutSender(_ context.Context, s store.Sender) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.senders[s.PhoneNumberID] = s
	return nil
}

func (m *memStore) GetSender(_ context.Context, id string) (store.Sender, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.senders[id]
	if !ok {
		return s, store.ErrNotFound
	}
	return s, nil
}

func (m *memStore) SendersByWABA(_ context.Context, waba string) ([]store.Sender, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Sender
	for _, s := range m.senders {
		if s.WABAID == waba {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memStore) CommitIntake(_ context.Context, items []*store.Intake) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, it := range items {
		if it.Message != nil {
			c := *it.Message
			m.messages[c.ID] = &c
		}
	}
	return nil
}

func (m *memStore) RecordOutcomes(_ context.Context, os []store.Outcome, fws []store.Forward) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range os {
		msg := m.messages[o.MessageID]
		msg.State, msg.MetaID, msg.Attempts = o.State, o.MetaID, o.Attempts
	}
	for _, f := range fws {
		m.forwards = append(m.forwards, &memForward{f: f, state: "pending"})
	}
	return nil
}

func (m *memStore) GetMessage(_ context.Context, id string) (store.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	msg, ok := m.messages[id]
	if !ok {
		return store.Message{}, store.ErrNotFound
	}
	return *msg, nil
}

func (m *memStore) MessagesByMetaID(_ context.Context, ids []string) (map[string]store.MessageRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]store.MessageRef{}
	for _, id := range ids {
		for _, msg := range m.messages {
			if msg.MetaID == id && id != "" {
				out[id] = store.MessageRef{ID: msg.ID, TenantID: msg.TenantID, SenderID: msg.SenderID, State: msg.State}
			}
		}
	}
	return out, nil
}

func (m *memStore) AppendDeliveries(_ context.Context, ds []*store.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range ds {
		if m.keys[d.DedupeKey] {
			d.Duplicate = true
			continue
		}
		m.keys[d.DedupeKey] = true
		d.ID = int64(len(m.deliveries) + 1)
		m.deliveries = append(m.deliveries, &memDelivery{d: *d, next: d.ReceivedAt})
	}
	return nil
}

func (m *memStore) ClaimDeliveries(_ context.Context, now time.Time, limit int, lease time.Duration) ([]store.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Delivery
	for _, d := range m.deliveries {
		if len(out) == limit {
			break
		}
		if d.done || d.next.After(now) || d.claimed.After(now) {
			continue
		}
		d.claimed = now.Add(lease)
		out = append(out, d.d)
	}
	return out, nil
}

func (m *memStore) ApplyWebhooks(_ context.Context, a store.WebhookApply) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range a.Statuses {
		k := [2]string{s.Event.MetaID, s.Event.Status}
		if _, ok := m.events[k]; ok {
			continue
		}
		m.events[k] = s.Event
		if msg := m.messages[s.Event.MessageID]; msg != nil && s.State.Rank() > msg.State.Rank() {
			msg.State = s.State
		}
		if s.Forward != nil {
			m.forwards = append(m.forwards, &memForward{f: *s.Forward, state: "pending"})
		}
	}
	for _, in := range a.Inbound {
		if _, ok := m.inbound[in.ID]; !ok {
			m.inbound[in.ID] = in
		}
	}
	for _, w := range a.Windows {
		k := [2]string{w.SenderID, w.WaID}
		if w.At.After(m.windows[k]) {
			m.windows[k] = w.At
		}
	}
	for _, f := range a.Forwards {
		m.forwards = append(m.forwards, &memForward{f: f, state: "pending"})
	}
	for _, d := range m.deliveries {
		for _, id := range a.Done {
			if d.d.ID == id {
				d.done = true
			}
		}
		for _, r := range a.Retry {
			if d.d.ID == r.ID {
				d.d.Attempts, d.next, d.claimed, d.done = r.Attempts, r.NextAt, time.Time{}, r.GiveUp
			}
		}
	}
	return nil
}

func (m *memStore) GetWindow(_ context.Context, sender, waID string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.windows[[2]string{sender, waID}], nil
}

func (m *memStore) ListInbound(_ context.Context, sender string, limit int) ([]store.InboundMessage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.InboundMessage
	for _, in := range m.inbound {
		if in.SenderID == sender {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Timestamp.After(out[j].Timestamp) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memStore) StatusEvents(_ context.Context, id string) ([]store.StatusEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.StatusEvent
	for _, e := range m.events {
		if e.MessageID == id {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memStore) ClaimForwards(_ context.Context, now time.Time, limit int, lease time.Duration) ([]store.Forward, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Forward
	for i, f := range m.forwards {
		if len(out) == limit {
			break
		}
		if f.state != "pending" || f.f.NextAttemptAt.After(now) || f.claimed.After(now) {
			continue
		}
		f.claimed = now.Add(lease)
		c := f.f
		c.ID = int64(i + 1)
		out = append(out, c)
	}
	return out, nil
}

func (m *memStore) ForwardCounts(_ context.Context) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for _, f := range m.forwards {
		out[f.state]++
	}
	return out, nil
}

func (m *memStore) CompleteForwards(_ context.Context, ids []int64, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.forwards[id-1].state = "done"
	}
	return nil
}

func (m *memStore) RetryForwards(_ context.Context, rs []store.ForwardRetry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		f := m.forwards[r.ID-1]
		f.f.Attempts, f.f.NextAttemptAt, f.claimed = r.Attempts, r.NextAt, time.Time{}
		if r.GiveUp {
			f.state = "dead"
		}
	}
	return nil
}
