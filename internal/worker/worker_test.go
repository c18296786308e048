package worker_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/worker"
)

// rounds counts rounds and hands out a scripted count per round.
type rounds struct {
	n      atomic.Int64
	counts []int
	err    error
	ran    chan int64
}

func (r *rounds) round(context.Context) (int, error) {
	i := r.n.Add(1)
	select {
	case r.ran <- i:
	default:
	}
	if int(i) <= len(r.counts) {
		return r.counts[i-1], r.err
	}
	return 0, r.err
}

func waitRounds(t *testing.T, r *rounds, want int64) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for r.n.Load() < want {
		select {
		case <-r.ran:
		case <-deadline:
			t.Fatalf("%d rounds ran, want %d", r.n.Load(), want)
		}
	}
}

func start(t *testing.T, cfg worker.Config) (*worker.Loop, context.CancelFunc, <-chan error) {
	t.Helper()
	l := worker.New(cfg)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		done <- l.Run(ctx)
		close(finished)
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
	})
	return l, cancel, done
}

// The behaviours of the loop, each with a poll interval far longer than
// the test, so that only the behaviour under test can make a round run.
func TestLoop(t *testing.T) {
	const never = time.Hour
	t.Run("full rounds go again without waiting", func(t *testing.T) {
		r := &rounds{counts: []int{10, 10, 10, 3}, ran: make(chan int64, 16)}
		start(t, worker.Config{Name: "t", Round: r.round, Full: func(n int) bool { return n == 10 }, Poll: never})
		waitRounds(t, r, 4)
		time.Sleep(50 * time.Millisecond)
		if got := r.n.Load(); got != 4 {
			t.Fatalf("%d rounds after a short one, want 4 (the loop should sleep)", got)
		}
	})
	t.Run("notify wakes a sleeping loop", func(t *testing.T) {
		r := &rounds{ran: make(chan int64, 16)}
		l, _, _ := start(t, worker.Config{Name: "t", Round: r.round, Poll: never})
		waitRounds(t, r, 1)
		l.Notify()
		waitRounds(t, r, 2)
		l.Notify()
		l.Notify() // folds into one
		waitRounds(t, r, 3)
	})
	t.Run("the poll interval bounds the sleep", func(t *testing.T) {
		r := &rounds{ran: make(chan int64, 16)}
		start(t, worker.Config{Name: "t", Round: r.round, Poll: 10 * time.Millisecond})
		waitRounds(t, r, 5)
	})
	t.Run("a failing round is logged and retried after the wait", func(t *testing.T) {
		r := &rounds{counts: []int{10, 10}, err: errors.New("store unreachable"), ran: make(chan int64, 16)}
		l, _, _ := start(t, worker.Config{Name: "t", Round: r.round, Full: func(n int) bool { return n == 10 }, Poll: never})
		waitRounds(t, r, 1)
		time.Sleep(50 * time.Millisecond)
		if got := r.n.Load(); got != 1 {
			t.Fatalf("a failed round was repeated at once (%d rounds): it should wait", got)
		}
		l.Notify()
		waitRounds(t, r, 2)
	})
	t.Run("linger gathers a burst of wake-ups into one round", func(t *testing.T) {
		r := &rounds{ran: make(chan int64, 16)}
		l, _, _ := start(t, worker.Config{Name: "t", Round: r.round, Poll: never, Linger: 200 * time.Millisecond})
		waitRounds(t, r, 1)
		for range 20 {
			l.Notify()
			time.Sleep(time.Millisecond)
		}
		waitRounds(t, r, 2)
		time.Sleep(50 * time.Millisecond)
		if got := r.n.Load(); got > 3 {
			t.Fatalf("20 wake-ups in a burst made %d rounds", got)
		}
	})
	t.Run("cancellation ends Run with nil", func(t *testing.T) {
		r := &rounds{ran: make(chan int64, 16)}
		_, cancel, done := start(t, worker.Config{Name: "t", Round: r.round, Poll: never})
		waitRounds(t, r, 1)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancellation")
		}
	})
}
