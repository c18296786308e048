package intake

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// senderCache keeps senders read from the store for a short time, so a
// stream of sends from one number reads it once per TTL. Unknown numbers
// are cached too: probing for them must not cost a store read each.
type senderCache struct {
	st  Store
	ttl time.Duration

	mu sync.Mutex
	m  map[string]cachedSender
}

type cachedSender struct {
	s     store.Sender
	err   error // nil or store.ErrNotFound
	until time.Time
}

// maxCachedSenders bounds the cache; beyond it the cache starts afresh.
const maxCachedSenders = 10_000

func newSenderCache(st Store, ttl time.Duration) *senderCache {
	if ttl == 0 {
		ttl = 250 * time.Millisecond
	}
	return &senderCache{st: st, ttl: ttl, m: map[string]cachedSender{}}
}

func (c *senderCache) get(ctx context.Context, id string) (store.Sender, error) {
	if c.ttl < 0 {
		return c.st.GetSender(ctx, id)
	}
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.s, e.err
	}
	s, err := c.st.GetSender(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return s, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedSenders {
		clear(c.m)
	}
	c.m[id] = cachedSender{s: s, err: err, until: now.Add(c.ttl)}
	c.mu.Unlock()
	return s, err
}

func (c *senderCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
