package intake

import (
	"context"
	"sync"
)

// keyLocks is a set of per-key mutexes that exist only while used.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	sem  chan struct{}
	refs int
}

func newKeyLocks() *keyLocks { return &keyLocks{locks: make(map[string]*keyLock)} }

// acquire waits for key's lock or ctx's end; the returned func releases it.
func (k *keyLocks) acquire(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	l, ok := k.locks[key]
	if !ok {
		l = &keyLock{sem: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()

	drop := func() {
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
	select {
	case l.sem <- struct{}{}:
		return func() { <-l.sem; drop() }, nil
	case <-ctx.Done():
		drop()
		return nil, ctx.Err()
	}
}
