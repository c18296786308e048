package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Positive key lookups are cached so the hot path does not read the database
// for every request. A revoked key therefore keeps working for at most
// keyCacheTTL on a replica that has it cached; that is the price of not
// hitting the store per request, and it is short.
const (
	keyCacheTTL  = 30 * time.Second
	keyCacheSize = 10000
)

// bearer extracts the API key: the Authorization header as Graph clients send
// it, or the access_token query parameter Graph also accepts.
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth")) {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return r.URL.Query().Get("access_token")
}

// authenticate resolves the calling tenant. The key itself is hashed at once
// and never logged or kept.
func (s *Server) authenticate(r *http.Request) (store.Tenant, *wire.Error) {
	key := bearer(r)
	if key == "" {
		return store.Tenant{}, errNoToken()
	}
	hash := secret.HashAPIKey(key)
	now := s.now()
	if t, ok := s.keys.get(hash, now); ok {
		setTenant(r.Context(), t.ID)
		return t, nil
	}
	t, err := s.store.TenantByKeyHash(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.Tenant{}, errBadToken()
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "gateway: tenant lookup failed", "err", err, "key_id", secret.APIKeyID(key))
		return store.Tenant{}, errInternal()
	}
	s.keys.put(hash, t, now)
	setTenant(r.Context(), t.ID)
	return t, nil
}

// writeAuthError adds the header Graph sends with token errors.
func writeAuthError(w http.ResponseWriter, e *wire.Error) {
	if e.Code == wire.CodeAccessToken {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`OAuth "Facebook Platform" "invalid_token" %q`, e.Message))
	}
	writeError(w, e)
}

// keyCache remembers tenants of recently seen key hashes, bounded in size.
type keyCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]keyEntry
}

type keyEntry struct {
	tenant  store.Tenant
	expires time.Time
}

func newKeyCache(ttl time.Duration, max int) *keyCache {
	return &keyCache{ttl: ttl, max: max, entries: make(map[string]keyEntry)}
}

func (c *keyCache) get(hash []byte, now time.Time) (store.Tenant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok {
		return store.Tenant{}, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, string(hash))
		return store.Tenant{}, false
	}
	return e.tenant, true
}

func (c *keyCache) put(hash []byte, t store.Tenant, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Drop expired entries first; if the cache is still full, drop
		// arbitrary ones: a miss only costs one store lookup.
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[string(hash)] = keyEntry{tenant: t, expires: now.Add(c.ttl)}
}

// ownedSender loads a sender the tenant names in a path and checks it is
// theirs. Unknown numbers and other tenants' numbers get the same answer,
// Graph's 100/33, so a tenant cannot probe which numbers the gateway serves.
func (s *Server) ownedSender(ctx context.Context, tenantID, method, id string) (store.Sender, *wire.Error) {
	snd, err := s.store.GetSender(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Sender{}, unknownObject(method, id)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "gateway: sender lookup failed", "err", err, "sender", id)
		return store.Sender{}, errInternal()
	}
	if snd.TenantID != tenantID {
		return store.Sender{}, unknownObject(method, id)
	}
	return snd, nil
}
