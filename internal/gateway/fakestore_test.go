package gateway_test

import (
	"context"
	"sort"
	"sync"

	"github.com/wabaguard/wabaguard/internal/store"
)

// memStore is an in-memory store with the semantics the gateway relies on:
// CommitIntake is all-or-nothing per call and marks duplicate idempotency keys.
type memStore struct {
	mu        sync.Mutex
	tenants   map[string]store.Tenant
	keys      map[string]store.APIKey // by string(hash)
	senders   map[string]store.Sender
	messages  map[string]store.Message
	decisions []store.Decision
	idem      map[string]store.Idempotency
}

func newMemStore() *memStore {
	return &memStore{
		tenants:  map[string]store.Tenant{},
		keys:     map[string]store.APIKey{},
		senders:  map[string]store.Sender{},
		messages: map[string]store.Message{},
		idem:     map[string]store.Idempotency{},
	}
}

func (m *memStore) PutTenant(_ context.Context, t store.Tenant) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tenants[t.ID] = t
	return nil
}

func (m *memStore) PutAPIKey(_ context.Context, k store.APIKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[string(k.Hash)] = k
	return nil
}

func (m *memStore) RevokeAPIKey(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, k := range m.keys {
		if k.ID == id {
			k.RevokedAt = k.CreatedAt.Add(1)
			m.keys[h] = k
			return nil
		}
	}
	return store.ErrNotFound
}

func (m *memStore) TenantByKeyHash(_ context.Context, hash []byte) (store.Tenant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[string(hash)]
	if !ok || !k.RevokedAt.IsZero() {
		return store.Tenant{}, store.ErrNotFound
	}
	return m.tenants[k.TenantID], nil
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
		return store.Sender{}, store.ErrNotFound
	}
	return s, nil
}

func (m *memStore) ListSenders(context.Context) ([]store.Sender, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Sender
	for _, s := range m.senders {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PhoneNumberID < out[j].PhoneNumberID })
	return out, nil
}

func (m *memStore) SendersByWABA(ctx context.Context, waba string) ([]store.Sender, error) {
	all, _ := m.ListSenders(ctx)
	var out []store.Sender
	for _, s := range all {
		if s.WABAID == waba {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memStore) CommitIntake(_ context.Context, items []*store.Intake) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	for _, it := range items {
		if it.Idempotency != nil {
			k := it.Idempotency.TenantID + "\x00" + it.Idempotency.Key
			if _, dup := m.idem[k]; dup || seen[k] {
				it.Duplicate = true
				continue
			}
			seen[k] = true
		}
	}
	for _, it := range items {
		if it.Duplicate {
			continue
		}
		if it.Message != nil {
			m.messages[it.Message.ID] = *it.Message
		}
		d := it.Decision
		d.ID = int64(len(m.decisions) + 1)
		m.decisions = append(m.decisions, d)
		if it.Idempotency != nil {
			m.idem[it.Idempotency.TenantID+"\x00"+it.Idempotency.Key] = *it.Idempotency
		}
	}
	return nil
}

func (m *memStore) GetIdempotency(_ context.Context, tenantID, key string) (store.Idempotency, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.idem[tenantID+"\x00"+key]
	if !ok {
		return store.Idempotency{}, store.ErrNotFound
	}
	return i, nil
}

func (m *memStore) GetMessage(_ context.Context, id string) (store.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	msg, ok := m.messages[id]
	if !ok {
		return store.Message{}, store.ErrNotFound
	}
	return msg, nil
}

func (m *memStore) QueueDepth(context.Context) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for _, msg := range m.messages {
		out[msg.SenderID]++
	}
	return out, nil
}

func (m *memStore) ListDecisions(_ context.Context, f store.DecisionFilter) ([]store.Decision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Decision
	for i := len(m.decisions) - 1; i >= 0; i-- {
		d := m.decisions[i]
		if (f.TenantID == "" || d.TenantID == f.TenantID) && (f.SenderID == "" || d.SenderID == f.SenderID) && (f.Outcome == "" || d.Outcome == f.Outcome) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (m *memStore) Close() error { return nil }
