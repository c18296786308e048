// Package worker is the loop every background stage of the gateway runs:
// do one round of work (claim a batch from a durable table, act, record),
// go again at once while rounds come back full, and otherwise sleep until
// woken or until the poll interval passes — then linger a little, so that
// work arriving in a burst is taken in one round rather than one at a time.
// The webhook processor and the forwarder run on it; campaigns will too.
package worker

import (
	"context"
	"log/slog"
	"time"
)

// Config is one loop's behaviour.
type Config struct {
	// Name names the loop in its logs ("webhooks", "forwarder").
	Name string
	// Round does one round of work and reports how much it did. An error
	// is logged and the loop waits as after an empty round.
	Round func(ctx context.Context) (int, error)
	// Full reports whether a round's count means more is probably due, so
	// the loop goes again without waiting (typically n == batch size).
	Full func(n int) bool
	// Poll is the longest the loop sleeps without being woken: the bound on
	// how late work committed by another replica is seen.
	Poll time.Duration
	// Linger is the least time between the start of a round and the next
	// after a wait: a wake-up that comes right after a round waits for the
	// rest of it, gathering a burst into one round.
	Linger time.Duration
	Logger *slog.Logger
}

// Loop runs Config.Round until its context ends.
type Loop struct {
	cfg  Config
	wake chan struct{}
}

// New builds a loop. A zero Poll is one second.
func New(cfg Config) *Loop {
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Full == nil {
		cfg.Full = func(int) bool { return false }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Loop{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Notify wakes the loop if it sleeps, or makes its next wait end at once;
// it never blocks. Wake-ups while a round runs fold into one.
func (l *Loop) Notify() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run runs rounds until ctx ends, and then returns nil.
func (l *Loop) Run(ctx context.Context) error {
	t := time.NewTimer(l.cfg.Poll)
	defer t.Stop()
	for {
		started := time.Now()
		n, err := l.cfg.Round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			l.cfg.Logger.Error(l.cfg.Name+" round failed", "err", err)
		} else if l.cfg.Full(n) {
			continue // more is due: no need to wait
		}
		if !sleep(ctx, t, l.cfg.Poll, l.wake) {
			return nil
		}
		if wait := l.cfg.Linger - time.Since(started); wait > 0 {
			if !sleep(ctx, t, wait, nil) {
				return nil
			}
		}
	}
}

// sleep waits d, or until woken (when wake is not nil); false when ctx
// ended.
func sleep(ctx context.Context, t *time.Timer, d time.Duration, wake <-chan struct{}) bool {
	t.Reset(d)
	select {
	case <-ctx.Done():
		return false
	case <-wake:
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
	case <-t.C:
	}
	return true
}
