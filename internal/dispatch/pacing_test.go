package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// The pacing scenarios run the dispatcher against the built-in simulator
// with Meta's throughput and pair-rate limits on, inside a synctest bubble:
// time is virtual and moves only when every goroutine waits, so the rates
// measured are those of the pacing itself, exactly and fast, whatever the
// load of the machine. The simulator is called in process (an
// http.RoundTripper over its handler): a bubble cannot wait on sockets.

// simTransport serves requests with the simulator's handler and notes when
// each send was accepted and to whom.
type simTransport struct {
	h  http.Handler
	mu sync.Mutex
	ok []acceptedSend
}

type acceptedSend struct {
	to string
	at time.Time
}

func (t *simTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var req struct {
		To string `json:"to"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if rec.Code == http.StatusOK {
		t.mu.Lock()
		t.ok = append(t.ok, acceptedSend{req.To, time.Now()})
		t.mu.Unlock()
	}
	return rec.Result(), nil
}

// pacingRun is one scenario's outcome.
type pacingRun struct {
	stats sim.NumberStats
	sends []acceptedSend
}

// rate is the achieved rate of the accepted sends matching keep, from the
// first to the last.
func (r pacingRun) rate(keep func(to string) bool) (float64, int) {
	var first, last time.Time
	n := 0
	for _, s := range r.sends {
		if !keep(s.to) {
			continue
		}
		if n == 0 {
			first = s.at
		}
		last = s.at
		n++
	}
	if n < 2 {
		return 0, n
	}
	return float64(n-1) / last.Sub(first).Seconds(), n
}

// runPacing sends msgs (recipient per message) from one sender at mps
// through the simulator inside a bubble, and returns once every message is
// settled. Call it inside synctest.Test.
func runPacing(t *testing.T, mps int, tos []string) pacingRun {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Numbers = []sim.Number{{PhoneNumberID: pnid, WABAID: "w1", DisplayPhoneNumber: "15550001",
		ThroughputMPS: mps, MessagingLimitTier: "TIER_UNLIMITED"}}
	cfg.Limits = sim.LimitsConfig{Throughput: true, PairRate: true, MessagingLimit: true, ServiceWindow: true}
	cfg.Webhooks.Enabled = false
	cfg.AccessTokens = []string{"tok"}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := &simTransport{h: s.Handler()}
	client := cloudapi.New("http://sim.invalid", "v23.0", &http.Client{Transport: tr})

	st := newMemStore()
	now := time.Now()
	st.addSender(store.Sender{PhoneNumberID: pnid, TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "15550001", ThroughputMPS: mps})
	for i, to := range tos {
		st.addMessage(store.Message{ID: fmt.Sprintf("m%06d", i), SenderID: pnid, TenantID: "t1", WaID: to, Type: "template",
			Body:          []byte(`{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`),
			NextAttemptAt: now, CreatedAt: now})
	}
	m := New(st, client, Config{Owner: "a", Logger: slog.New(slog.DiscardHandler),
		TokenFor: func(store.Sender) string { return "tok" }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	for st.count(store.StateQueued)+st.count(store.StateSending) > 0 {
		time.Sleep(5 * time.Second)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := st.count(store.StateSent); n != len(tos) {
		t.Fatalf("%d of %d messages sent", n, len(tos))
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return pacingRun{stats: s.Stats().Numbers[pnid], sends: tr.ok}
}

func distinct(n int) []string {
	tos := make([]string, n)
	for i := range tos {
		tos[i] = fmt.Sprintf("55119%08d", i)
	}
	return tos
}

// scenarioSize is the campaign of the pacing scenarios: 20,000 distinct
// recipients and 500 messages to one, smaller under the race detector.
func scenarioSize() (recipients, busy int) {
	if raceDetector {
		return 2_000, 60
	}
	return 20_000, 500
}

// TestPacingAtThroughput: a campaign to 20,000 distinct recipients goes out
// at no less than 97 % of the number's throughput, with not one 130429.
func TestPacingAtThroughput(t *testing.T) {
	n, _ := scenarioSize()
	for _, mps := range []int{80, 1000} {
		t.Run(fmt.Sprint(mps), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				run := runPacing(t, mps, distinct(n))
				rate, n := run.rate(func(string) bool { return true })
				t.Logf("%d mps: %d sends at %.2f/s (%.1f %%), max %d in a second, rejected %v",
					mps, n, rate, 100*rate/float64(mps), run.stats.MaxPerSecond, run.stats.Rejected)
				if rate < 0.97*float64(mps) {
					t.Errorf("achieved %.2f/s, want at least 97 %% of %d", rate, mps)
				}
				if c := run.stats.Rejected[wire.CodeThroughput]; c != 0 {
					t.Errorf("%d sends refused with 130429", c)
				}
				if run.stats.MaxPerSecond > mps {
					t.Errorf("%d sends in one second, limit %d", run.stats.MaxPerSecond, mps)
				}
			})
		})
	}
}

// TestPacingOneBusyRecipient: 500 messages to one person mixed into a
// campaign: not one 131056, the person's messages go out in Meta's bursts
// and repayments, and the campaign's other recipients keep the number's
// full throughput.
func TestPacingOneBusyRecipient(t *testing.T) {
	const busy = "5511999999999"
	synctest.Test(t, func(t *testing.T) {
		n, nBusy := scenarioSize()
		tos := distinct(n)
		var mixed []string
		added := 0
		for i, to := range tos {
			mixed = append(mixed, to)
			if i%(n/nBusy) == 0 && added < nBusy {
				mixed = append(mixed, busy)
				added++
			}
		}
		for ; added < nBusy; added++ {
			mixed = append(mixed, busy)
		}
		run := runPacing(t, 80, mixed)
		others, n := run.rate(func(to string) bool { return to != busy })
		_, nb := run.rate(func(to string) bool { return to == busy })
		t.Logf("others: %d sends at %.2f/s; busy recipient: %d sends; rejected %v", n, others, nb, run.stats.Rejected)
		if c := run.stats.Rejected[wire.CodePairRate]; c != 0 {
			t.Errorf("%d sends refused with 131056", c)
		}
		if c := run.stats.Rejected[wire.CodeThroughput]; c != 0 {
			t.Errorf("%d sends refused with 130429", c)
		}
		if nb != nBusy {
			t.Errorf("%d messages to the busy recipient went out, want %d", nb, nBusy)
		}
		if others < 0.97*80 {
			t.Errorf("the other recipients got %.2f/s, want at least 97 %% of 80", others)
		}
	})
}
