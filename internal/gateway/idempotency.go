package gateway

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/wabaguard/wabaguard/internal/store"
)

// Idempotency.
//
// A send may carry an Idempotency-Key header (at most MaxIdempotencyKey
// characters), scoped to the tenant. The first successful answer for a key is
// committed in the same transaction as the message, so "accepted" and "the
// answer to replay" cannot disagree. A later request with the key gets that
// answer byte for byte, with its status and Idempotent-Replayed: true; its
// body is not compared with the first one.
//
// Only 200 answers are stored. A rejection is not: the client is expected to
// fix the request and retry, and a stored refusal would make the same key
// fail forever. Mark-as-read is never stored either: it is not queued and
// repeating it is harmless.
//
// Within one process, requests with the same key are serialised, so only one
// runs the pipeline and the others replay its answer. Across replicas the
// store's unique (tenant, key) decides: the loser's intake comes back marked
// Duplicate and it replays the winner's answer.

// Header names of the idempotency protocol.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	ReplayedHeader       = "Idempotent-Replayed"
	// MaxIdempotencyKey is the longest key accepted.
	MaxIdempotencyKey = 255
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

// storedAnswer returns the committed answer for (tenant, key), if any.
func (s *Server) storedAnswer(ctx context.Context, tenantID, key string) (store.Idempotency, bool, error) {
	idem, err := s.store.GetIdempotency(ctx, tenantID, key)
	if errors.Is(err, store.ErrNotFound) {
		return store.Idempotency{}, false, nil
	}
	if err != nil {
		return store.Idempotency{}, false, err
	}
	return idem, true, nil
}

// replay writes a stored answer exactly as first sent.
func replay(w http.ResponseWriter, idem store.Idempotency) {
	w.Header().Set(ReplayedHeader, "true")
	status := idem.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, idem.Response)
}
