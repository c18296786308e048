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

// Key lookups are cached so the hot path does not read the database for
// every request. A key revoked by another process (`wabaguard keys revoke`)
// therefore keeps working for at most keyCacheTTL on a replica that has it
// cached; that is the price of not hitting the store per request, and it is
// short. Expiry needs no store: it is checked on every request, cached or
// not.
const (
	keyCacheTTL  = 30 * time.Second
	keyCacheSize = 10000
	// keyTouchEvery is how often a key's last use is written: at most once
	// per key and replica in this period, never per request.
	keyTouchEvery = time.Minute
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
//
// A key known good from the cache passes at once. Otherwise a client or key
// prefix over its budget of failures is refused before the key is looked
// at, so guessing learns nothing and costs the store nothing; each unknown,
// revoked or expired key spends that budget.
func (s *Server) authenticate(r *http.Request) (store.Tenant, *wire.Error) {
	key := bearer(r)
	if key == "" {
		return store.Tenant{}, errNoToken()
	}
	hash := secret.HashAPIKey(key)
	now := s.now()
	e, cached := s.keys.get(hash, now)
	if cached && !e.key.Expired(now) {
		return s.authenticated(r, e, now), nil
	}
	addr, prefix := clientAddr(r), secret.APIKeyID(key)
	if wait := s.authLimit.wait(addr, prefix, now); wait > 0 {
		return store.Tenant{}, errAuthLimited(wait)
	}
	if !cached {
		k, t, err := s.store.KeyByHash(r.Context(), hash)
		if errors.Is(err, store.ErrNotFound) {
			s.authLimit.fail(addr, prefix, now)
			return store.Tenant{}, errBadToken()
		}
		if err != nil {
			s.log.ErrorContext(r.Context(), "gateway: tenant lookup failed", "err", err, "key_id", secret.APIKeyID(key))
			return store.Tenant{}, errInternal()
		}
		e = s.keys.put(hash, k, t, now)
	}
	if e.key.Expired(now) {
		s.authLimit.fail(addr, prefix, now)
		return store.Tenant{}, errExpiredToken(e.key.ExpiresAt, now)
	}
	return s.authenticated(r, e, now), nil
}

// authenticated records a good key's use: for the access log, and in the
// store at most once per keyTouchEvery.
func (s *Server) authenticated(r *http.Request, e keyEntry, now time.Time) store.Tenant {
	setTenant(r.Context(), e.tenant.ID)
	if s.keys.touch(e.hash, now) {
		if err := s.store.TouchAPIKey(r.Context(), e.key.ID, now); err != nil && r.Context().Err() == nil {
			s.log.WarnContext(r.Context(), "gateway: recording key use failed", "err", err, "key_id", e.key.ID)
		}
	}
	return e.tenant
}

// writeAuthError adds the header Graph sends with token errors.
func writeAuthError(w http.ResponseWriter, e *wire.Error) {
	if e.Code == wire.CodeAccessToken {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`OAuth "Facebook Platform" "invalid_token" %q`, e.Message))
	}
	writeError(w, e)
}

// keyCache remembers the keys and tenants of recently seen key hashes,
// bounded in size.
type keyCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]*keyEntry
}

type keyEntry struct {
	hash    string
	key     store.APIKey
	tenant  store.Tenant
	expires time.Time
	// touched is when the key's last use was last written (or read).
	touched time.Time
}

func newKeyCache(ttl time.Duration, max int) *keyCache {
	return &keyCache{ttl: ttl, max: max, entries: make(map[string]*keyEntry)}
}

func (c *keyCache) get(hash []byte, now time.Time) (keyEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok {
		return keyEntry{}, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, string(hash))
		return keyEntry{}, false
	}
	return *e, true
}

// touch reports whether the key's last use is due to be written now, and if
// so marks it written.
func (c *keyCache) touch(hash string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.Sub(e.touched) < keyTouchEvery {
		return false
	}
	e.touched = now
	return true
}

func (c *keyCache) put(hash []byte, k store.APIKey, t store.Tenant, now time.Time) keyEntry {
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
	e := &keyEntry{hash: string(hash), key: k, tenant: t, expires: now.Add(c.ttl), touched: k.LastUsedAt}
	c.entries[string(hash)] = e
	return *e
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

// Authenticate resolves the tenant of a request's API key for another
// surface served beside this one (the management API), through the same
// key cache and failed-authentication limiter, so a key guessed on one
// surface spends the same budget as on the other. On failure it returns the
// Graph error to answer with.
func (s *Server) Authenticate(r *http.Request) (store.Tenant, *wire.Error) {
	return s.authenticate(r)
}
