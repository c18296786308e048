package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/loadtest"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sink" {
		return runSink(ctx, args[1:], stdout)
	}
	if len(args) > 0 && args[0] == "consent" {
		return runBenchConsent(ctx, args[1:], stdout)
	}
	err := loadtest.Run(ctx, args, stdout, stderr)
	var ue *loadtest.UsageError
	if errors.As(err, &ue) {
		cmd := "bench"
		if len(args) > 0 && (args[0] == "send" || args[0] == "webhooks" || args[0] == "compare") {
			cmd += " " + args[0]
		}
		// loadtest names the command in its message already.
		msg := strings.TrimPrefix(strings.TrimPrefix(ue.Err.Error(), cmd+": "), "bench: ")
		return &usageError{cmd: cmd, err: errors.New(msg)}
	}
	return err
}

// runSink is a tenant's webhook endpoint for benchmarks: it verifies every
// delivery's signature as a tenant would, counts the events, and reports the
// rate from the first event to the expected last one.
func runSink(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("bench sink", "--secret S --expect N [flags]", `A tenant's webhook endpoint for benchmarks: it verifies every delivery's
signature as a tenant would, counts the events, and reports the rate from the
first event to the expected last one.`, stdout)
	listen := fs.String("listen", "127.0.0.1:18090", "listen address")
	sec := fs.String("secret", "", "the tenant's webhook secret (required)")
	expect := fs.Int("expect", 0, "stop after this many events (required)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	if *sec == "" || *expect <= 0 {
		return usagef("bench sink", "--secret and --expect are required")
	}
	var (
		mu          sync.Mutex
		events, bad int
		first, last time.Time
		done        = make(chan struct{})
		closeDone   sync.Once
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if !wire.VerifySignature([]byte(*sec), body, r.Header.Get(wire.SignatureHeader)) {
			mu.Lock()
			bad++
			mu.Unlock()
			w.WriteHeader(http.StatusForbidden)
			return
		}
		var n wire.Notification
		if err := json.Unmarshal(body, &n); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		count := 0
		for _, e := range n.Entry {
			for _, c := range e.Changes {
				var v wire.MessagesValue
				if json.Unmarshal(c.Value, &v) == nil && len(v.Statuses)+len(v.Messages) > 0 {
					count += len(v.Statuses) + len(v.Messages)
				} else {
					count++
				}
			}
		}
		now := time.Now()
		mu.Lock()
		if events == 0 {
			first = now
		}
		events += count
		last = now
		reached := events >= *expect
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
		if reached {
			closeDone.Do(func() { close(done) })
		}
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("bench sink: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "sink listening on http://%s, expecting %d events\n", ln.Addr(), *expect)
	var runErr error
	select {
	case <-done:
	case <-ctx.Done():
		runErr = ctx.Err()
	case <-time.After(*timeout):
		runErr = fmt.Errorf("bench sink: timed out after %s", *timeout)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	mu.Lock()
	defer mu.Unlock()
	el := last.Sub(first)
	rate := 0.0
	if el > 0 {
		rate = float64(events) / el.Seconds()
	}
	fmt.Fprintf(stdout, "sink: %d events (%d bad signatures), first→last %s, %.0f events/s; last at %s\n",
		events, bad, el.Round(time.Millisecond), rate, last.Format(time.RFC3339Nano))
	return runErr
}
