package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRunSendCountsExactly(t *testing.T) {
	g := newGraphServer(t, nil)
	cfg := g.sendConfig(200, 8)
	cfg.Recipients = 50
	r, err := RunSend(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	g.checkWellFormed()
	if r.Requests != 200 || r.Successes != 200 || r.Errors != 0 || r.Events != 200 {
		t.Fatalf("requests/successes/errors/events = %d/%d/%d/%d, want 200/200/0/200",
			r.Requests, r.Successes, r.Errors, r.Events)
	}
	if got := g.count(); got != 200 {
		t.Fatalf("server saw %d requests, want 200", got)
	}
	if r.Stopped != StopCount {
		t.Errorf("stopped = %q, want %q", r.Stopped, StopCount)
	}
	if len(g.recipients) != 50 {
		t.Errorf("distinct recipients = %d, want 50", len(g.recipients))
	}
	for to, n := range g.recipients {
		if n != 4 {
			t.Errorf("recipient %s got %d messages, want 4 (round robin)", to, n)
		}
	}
	if g.types[wire.TypeText] != 200 {
		t.Errorf("types = %v, want 200 text", g.types)
	}
	checkLatency(t, r, 200)
	if r.Throughput() <= 0 {
		t.Errorf("throughput = %v", r.Throughput())
	}
}

func TestRunSendTemplate(t *testing.T) {
	g := newGraphServer(t, nil)
	cfg := g.sendConfig(10, 2)
	cfg.Type = wire.TypeTemplate
	r, err := RunSend(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	g.checkWellFormed()
	if r.Successes != 10 || g.templates["hello_world/en_US"] != 10 {
		t.Fatalf("successes %d, templates seen %v", r.Successes, g.templates)
	}
}

func TestRunSendClassifiesErrors(t *testing.T) {
	g := newGraphServer(t, func(w http.ResponseWriter, r *http.Request, k int) bool {
		switch k % 5 {
		case 1:
			e := wire.NewError(wire.CodeThroughput, "Cloud API message throughput has been reached.")
			e.RetryAfter = 1
			wire.WriteError(w, e)
		case 2:
			wire.WriteError(w, wire.NewError(wire.CodeAccessToken, "token expired"))
		case 3:
			http.Error(w, "boom", http.StatusBadGateway)
		case 4:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"messaging_product":"whatsapp","messages":[]}`))
		default:
			return false
		}
		return true
	})
	r, err := RunSend(testCtx(t), g.sendConfig(50, 4))
	if err != nil {
		t.Fatal(err)
	}
	g.checkWellFormed()
	if r.Requests != 50 || r.Successes != 10 || r.Errors != 40 {
		t.Fatalf("requests/successes/errors = %d/%d/%d, want 50/10/40", r.Requests, r.Successes, r.Errors)
	}
	wantStatus := map[string]int{"429": 10, "401": 10, "502": 10, StatusBadBody: 10}
	if len(r.ErrorsByStatus) != len(wantStatus) {
		t.Errorf("errors by status = %v, want %v", r.ErrorsByStatus, wantStatus)
	}
	for k, v := range wantStatus {
		if r.ErrorsByStatus[k] != v {
			t.Errorf("errors by status[%s] = %d, want %d (all: %v)", k, r.ErrorsByStatus[k], v, r.ErrorsByStatus)
		}
	}
	wantCode := map[int]int{wire.CodeThroughput: 10, wire.CodeAccessToken: 10}
	if len(r.ErrorsByCode) != len(wantCode) || r.ErrorsByCode[wire.CodeThroughput] != 10 || r.ErrorsByCode[wire.CodeAccessToken] != 10 {
		t.Errorf("errors by code = %v, want %v", r.ErrorsByCode, wantCode)
	}
	if r.ErrorSample == "" {
		t.Error("no error sample")
	}
	// Every request got an answer, so every one has a latency.
	checkLatency(t, r, 50)
}

func TestRunSendRateStopsAtN(t *testing.T) {
	g := newGraphServer(t, nil)
	cfg := g.sendConfig(20, 4)
	cfg.Rate = 400
	r, err := RunSend(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 20 || g.count() != 20 || r.Stopped != StopCount {
		t.Fatalf("requests %d, server %d, stopped %q; want 20, 20, count", r.Requests, g.count(), r.Stopped)
	}
	// The last request is scheduled 19/400 s after the start; a scheduler
	// that honours the schedule cannot finish before it.
	if min := 19 * time.Second / 400; r.Elapsed < min {
		t.Errorf("elapsed %v < schedule span %v: requests started early", r.Elapsed, min)
	}
	checkLatency(t, r, 20)
}

func TestRunSendRateStopsAtDuration(t *testing.T) {
	g := newGraphServer(t, nil)
	cfg := g.sendConfig(1000, 2)
	cfg.Rate = 50
	cfg.Duration = 200 * time.Millisecond
	r, err := RunSend(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stopped != StopDuration {
		t.Fatalf("stopped = %q, want %q", r.Stopped, StopDuration)
	}
	// At 50/s only the requests scheduled at 0, 20ms, …, 200ms can start
	// within the 200ms cap: at most 11.
	if r.Requests < 1 || r.Requests > 11 {
		t.Errorf("requests = %d, want 1..11", r.Requests)
	}
	if g.count() != r.Requests || r.Successes != r.Requests {
		t.Errorf("server saw %d, report %d requests %d successes", g.count(), r.Requests, r.Successes)
	}
}

func TestRunSendOpenLoopChargesQueueing(t *testing.T) {
	const stall = 50 * time.Millisecond
	g := newGraphServer(t, func(w http.ResponseWriter, r *http.Request, k int) bool {
		if k == 0 {
			time.Sleep(stall)
		}
		return false
	})
	cfg := g.sendConfig(5, 1)
	cfg.Rate = 1000 // request i is due at i ms
	r, err := RunSend(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// With one connection, requests 1..4 (due at 1..4ms) wait behind the
	// stalled first one; measured from their schedule, each took ≥ 46ms.
	// A closed-loop measurement would report them as fast.
	if r.Successes != 5 || r.Latency.P50 < stall-5*time.Millisecond {
		t.Fatalf("successes %d, p50 %v: want 5 and queueing (≥ %v) charged to latency",
			r.Successes, r.Latency.P50, stall-5*time.Millisecond)
	}
}

func TestRunSendUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	r, err := RunSend(testCtx(t), SendConfig{BaseURL: url, Token: "x", PhoneNumberID: "1", N: 100_000, Concurrency: 4})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), url) {
		t.Errorf("error %q does not name the target", err)
	}
	if r == nil || r.Stopped != StopUnreachable || r.Requests > unreachableAfter+4 || r.Successes != 0 {
		t.Fatalf("report %+v: want an early stop as unreachable", r)
	}
	if r.ErrorsByStatus[StatusTransport] != r.Requests {
		t.Errorf("errors by status = %v, want all %d transport", r.ErrorsByStatus, r.Requests)
	}
}

func TestRunSendHungTargetTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Never answers. The body must be read for the server to notice the
		// client hanging up; the timer only bounds a broken client.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	r, err := RunSend(testCtx(t), SendConfig{
		BaseURL: srv.URL, Token: "x", PhoneNumberID: "1", N: 2, Concurrency: 2,
		RequestTimeout: 100 * time.Millisecond,
	})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if r.Requests != 2 || r.ErrorsByStatus[StatusTransport] != 2 {
		t.Fatalf("report %+v: want 2 transport errors", r)
	}
}

func TestRunSendCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(testCtx(t))
	g := newGraphServer(t, func(w http.ResponseWriter, r *http.Request, k int) bool {
		if k == 9 {
			cancel()
		}
		return false
	})
	r, err := RunSend(ctx, g.sendConfig(100_000, 1))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if r.Stopped != StopCanceled || r.Requests < 9 || r.Requests > 10 {
		t.Fatalf("stopped %q after %d requests, want canceled after 9 or 10", r.Stopped, r.Requests)
	}
}

func TestRunSendRejectsBadConfig(t *testing.T) {
	base := SendConfig{BaseURL: "http://127.0.0.1:1", Token: "x", PhoneNumberID: "1", N: 1}
	cases := map[string]func(*SendConfig){
		"no url":      func(c *SendConfig) { c.BaseURL = "" },
		"no scheme":   func(c *SendConfig) { c.BaseURL = "127.0.0.1:8080" },
		"ftp":         func(c *SendConfig) { c.BaseURL = "ftp://127.0.0.1" },
		"no n":        func(c *SendConfig) { c.N = 0 },
		"huge n":      func(c *SendConfig) { c.N = MaxRequests + 1 },
		"bad type":    func(c *SendConfig) { c.Type = "image" },
		"no sender":   func(c *SendConfig) { c.PhoneNumberID = "" },
		"neg rate":    func(c *SendConfig) { c.Rate = -1 },
		"neg c":       func(c *SendConfig) { c.Concurrency = -2 },
		"bad version": func(c *SendConfig) { c.Version = "v23.0/x" },
		"neg first":   func(c *SendConfig) { c.FirstRecipient = -1 },
		"first past":  func(c *SendConfig) { c.Recipients = 10; c.FirstRecipient = 10 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := base
			mutate(&cfg)
			r, err := RunSend(context.Background(), cfg)
			if err == nil || r != nil {
				t.Fatalf("got report %v, err %v; want a config error", r, err)
			}
		})
	}
}

// TestFirstRecipientSlicesTheCycle: runs with their own first recipient
// write to disjoint slices of one list, and wrap around at its end.
func TestFirstRecipientSlicesTheCycle(t *testing.T) {
	cases := []struct {
		first, recipients, i int
		want                 int
	}{
		{0, 100, 0, 0},
		{0, 100, 7, 7},
		{30, 100, 0, 30},
		{30, 100, 69, 99},
		{30, 100, 70, 0},
		{99, 100, 2, 1},
	}
	for _, c := range cases {
		cfg, err := (&SendConfig{BaseURL: "http://127.0.0.1:1", PhoneNumberID: "1", N: 1,
			Recipients: c.recipients, FirstRecipient: c.first}).withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		body, err := sendPayload(&cfg, c.i)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ To string }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if got.To != Recipient(c.want) {
			t.Errorf("first %d of %d, request %d: to %s, want Recipient(%d) = %s", c.first, c.recipients, c.i, got.To, c.want, Recipient(c.want))
		}
	}
}

func TestRecipientsAreDistinctBrazilianMobiles(t *testing.T) {
	seen := make(map[string]bool, 20000)
	for i := range 20000 {
		seen[Recipient(i)] = true
	}
	if len(seen) != 20000 {
		t.Fatalf("%d distinct of 20000", len(seen))
	}
	for _, i := range []int{0, 1, 2, 999, 12345, MaxRecipients / 2, MaxRecipients - 1} {
		s := Recipient(i)
		n, err := phonenumbers.Parse(s, "")
		if err != nil {
			t.Fatalf("Recipient(%d) = %s: %v", i, s, err)
		}
		if !phonenumbers.IsValidNumberForRegion(n, "BR") || phonenumbers.GetNumberType(n) != phonenumbers.MOBILE ||
			!strings.HasPrefix(s, "+55119") || len(s) != 14 {
			t.Errorf("Recipient(%d) = %s is not a valid +55 11 9xxxx-xxxx mobile", i, s)
		}
	}
}

// TestSendCyclesBasesAndSenders: several bases and senders are all used,
// evenly, as a load balancer over replicas with several numbers would.
func TestSendCyclesBasesAndSenders(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	hits := map[string]int{}
	handler := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits[name+" "+r.URL.Path]++
			mu.Unlock()
			_, _ = w.Write([]byte(`{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"1"}],"messages":[{"id":"wamid.x"}]}`))
		})
	}
	a := httptest.NewServer(handler("a"))
	defer a.Close()
	b := httptest.NewServer(handler("b"))
	defer b.Close()
	rep, err := RunSend(context.Background(), SendConfig{BaseURL: a.URL + "," + b.URL, PhoneNumberID: "1,2,3", Token: "t", N: 60, Concurrency: 4})
	if err != nil || rep.Successes != 60 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if len(hits) != 6 {
		t.Fatalf("want every base × sender pair used, got %v", hits)
	}
	for k, n := range hits {
		if n != 10 {
			t.Errorf("%s got %d requests, want 10", k, n)
		}
	}
}
