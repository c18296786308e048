// Package batch implements group commit: callers that arrive together share
// one flush (one database transaction), and each caller returns only after
// the flush that carried its item has finished.
package batch

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("batch: committer closed")

// FlushFunc writes a batch durably. It is called from one goroutine at a time
// and its error is returned to every caller of the batch.
type FlushFunc[T any] func(ctx context.Context, items []T) error

// Committer groups submitted items into batches of at most MaxBatch. A batch
// is flushed as soon as the previous flush is done: under light load every
// item is flushed alone with no added wait; under heavy load items queue
// during a flush and share the next one.
type Committer[T any] struct {
	flush    FlushFunc[T]
	maxBatch int
	in       chan request[T]
	done     chan struct{}
	closeMu  sync.RWMutex
	closed   bool
	wg       sync.WaitGroup
}

type request[T any] struct {
	item T
	errc chan error
}

// New starts a committer. maxBatch bounds items per flush.
func New[T any](flush FlushFunc[T], maxBatch int) *Committer[T] {
	if maxBatch <= 0 {
		maxBatch = 512
	}
	c := &Committer[T]{
		flush:    flush,
		maxBatch: maxBatch,
		in:       make(chan request[T], maxBatch*4),
		done:     make(chan struct{}),
	}
	c.wg.Add(1)
	go c.loop()
	return c
}

// Submit queues item and waits until the batch carrying it has been flushed.
// If ctx ends first, Submit returns ctx's error; the item may still be
// flushed (the caller must treat the outcome as unknown).
func (c *Committer[T]) Submit(ctx context.Context, item T) error {
	errc := make(chan error, 1)
	c.closeMu.RLock()
	if c.closed {
		c.closeMu.RUnlock()
		return ErrClosed
	}
	select {
	case c.in <- request[T]{item: item, errc: errc}:
		c.closeMu.RUnlock()
	case <-ctx.Done():
		c.closeMu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close flushes what is queued and stops the committer.
func (c *Committer[T]) Close() {
	c.closeMu.Lock()
	if !c.closed {
		c.closed = true
		close(c.in)
	}
	c.closeMu.Unlock()
	c.wg.Wait()
}

// gatherYields bounds how often gather yields before a flush.
const gatherYields = 4

// gather lets goroutines that are runnable right now (requests that are
// about to submit) queue before a flush starts: it yields the processor
// while that makes the queue grow, a few times at most. It is used only
// under load (the previous flush carried several items or left some
// queued), where the flush then carries several items instead of one and a
// commit's fixed cost (a write transaction, a WAL append) is shared instead
// of paid per item.
func (c *Committer[T]) gather() {
	for range gatherYields {
		n := len(c.in)
		if n >= c.maxBatch {
			return
		}
		runtime.Gosched()
		if len(c.in) == n {
			return
		}
	}
}

func (c *Committer[T]) loop() {
	defer c.wg.Done()
	items := make([]T, 0, c.maxBatch)
	waiters := make([]chan error, 0, c.maxBatch)
	loaded := false
	for {
		r, ok := <-c.in
		if !ok {
			return
		}
		items = append(items[:0], r.item)
		waiters = append(waiters[:0], r.errc)
		// After a quiet spell the first item is flushed alone and at once;
		// while items keep queueing behind flushes, each flush takes what is
		// queued (after gather) up to maxBatch.
		if loaded {
			c.gather()
		fill:
			for len(items) < c.maxBatch {
				select {
				case r, ok := <-c.in:
					if !ok {
						break fill
					}
					items = append(items, r.item)
					waiters = append(waiters, r.errc)
				default:
					break fill
				}
			}
		}
		// The flush must finish even if callers gave up: their items are
		// already handed over and must not be half written.
		err := c.flush(context.Background(), items)
		for _, w := range waiters {
			w <- err
		}
		loaded = len(items) > 1 || len(c.in) > 0
		clear(items)
	}
}
