package dispatch

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestRetryHorizons checks that each transient failure kind is retried only
// until its horizon and then fails with a failed status, while a shorter
// interruption than the horizon still ends in a send.
func TestRetryHorizons(t *testing.T) {
	tests := []struct {
		name     string
		err      func() *wire.Error
		mod      func(*Config)
		step     time.Duration
		wantCode int
		horizon  time.Duration
	}{
		{"130429 forever fails after the throttle horizon",
			func() *wire.Error { return wire.NewError(wire.CodeThroughput, "slow down") },
			func(c *Config) { c.ThrottleHorizon = 10 * time.Minute }, 30 * time.Second, wire.CodeThroughput, 10 * time.Minute},
		{"131056 forever fails after the pair-rate horizon",
			func() *wire.Error { return wire.NewError(wire.CodePairRate, "pair") },
			func(c *Config) { c.PairRateHorizon = 3 * time.Hour }, 10 * time.Minute, wire.CodePairRate, 3 * time.Hour},
		{"503 fails after the outage horizon, not after 25 attempts",
			func() *wire.Error { return wire.NewError(wire.CodeServiceUnavailable, "down") },
			func(c *Config) { c.OutageHorizon = 30 * time.Hour }, 10 * time.Minute, wire.CodeServiceUnavailable, 30 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeClock()
			st := newMemStore()
			seed(st, c, "1")
			up, client := newUpstreamRec(t, c, func(string, int) *wire.Error { return tc.err() })
			h := start(t, st, c, client, func(cfg *Config) { cfg.MaxInFlight = 1; tc.mod(cfg) })
			begin := c.Now()
			// The clock moves only while the message waits for a later
			// attempt: a due message is the dispatcher's turn, and moving
			// time on while a busy machine has not yet sent it would
			// put its attempts later than the dispatcher asked (and past
			// the bound below). While the breaker is open its probes pace
			// the message, on this clock; and a due message not attempted
			// within a second is waiting for something else: time moves
			// on then too.
			stalled := 0
			eventually(t, "failed", func() bool {
				m := h.st.get("m000")
				if m.State == store.StateFailed {
					return true
				}
				if m.NextAttemptAt.After(h.clock.Now()) || h.m.br.isOpen() || stalled >= 100 {
					h.clock.Advance(tc.step)
					stalled = 0
				} else {
					stalled++
				}
				return false
			})
			m := h.st.get("m000")
			if m.ErrorCode != tc.wantCode || !strings.Contains(m.ErrorDetail, "gave up") {
				t.Fatalf("failed message %+v", m)
			}
			sends := up.records()
			last := sends[len(sends)-1].at
			t.Logf("%d attempts over %v", len(sends), last.Sub(begin))
			// Retried until the horizon, not given up early, and not
			// retried for long after it.
			if span := last.Sub(begin); span < tc.horizon-2*tc.step || span > tc.horizon+2*tc.step+throttleCap+time.Duration(1<<pairMaxExp)*time.Second*64 {
				t.Fatalf("last attempt %v after acceptance, horizon %v", span, tc.horizon)
			}
			fw := h.st.getForwards()
			if len(fw) != 1 || fw[0].Field != "messages" || !strings.Contains(string(fw[0].Value), `"failed"`) {
				t.Fatalf("forwards %+v", fw)
			}
			s, _ := h.st.GetSender(context.Background(), pnid)
			if s.State != store.SenderActive {
				t.Fatalf("sender stopped: %+v", s)
			}
		})
	}
}

// TestUncodedServerErrorDoesNotStopSender: an upstream 500 whose JSON error
// carries a message but no code used to stop the sender for good.
func TestUncodedServerErrorDoesNotStopSender(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	seed(st, c, "1", "2")
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":{"message":"An unknown error occurred","type":"OAuthException"}}`))
			return
		}
		_ = json.NewEncoder(w).Encode(wire.SendResponse{MessagingProduct: "whatsapp",
			Messages: []wire.SentMessage{{ID: "meta." + time.Now().Format("150405.000000")}}})
	}))
	t.Cleanup(srv.Close)
	h := start(t, st, c, cloudapi.New(srv.URL, "v23.0", srv.Client()), func(cfg *Config) { cfg.MaxInFlight = 1 })
	eventually(t, "all sent", func() bool {
		h.clock.Advance(time.Second)
		return h.st.count(store.StateSent) == 2
	})
	s, _ := h.st.GetSender(context.Background(), pnid)
	if s.State != store.SenderActive {
		t.Fatalf("sender %+v", s)
	}
}

// TestHorizonCountsFromAcceptance: a horizon is measured from when the
// gateway accepted the message (created_at), not from its first failure,
// so a message that waited in the queue has that much less of it left.
func TestHorizonCountsFromAcceptance(t *testing.T) {
	const horizon = 6 * time.Hour
	tests := []struct {
		name      string
		err       *wire.Error
		age       time.Duration // since acceptance, at the first attempt
		wantState store.MessageState
	}{
		{"throttled first after the horizon fails at once", wire.NewError(wire.CodeThroughput, "slow"), horizon + time.Minute, store.StateFailed},
		{"throttled first inside the horizon retries", wire.NewError(wire.CodeThroughput, "slow"), horizon - time.Hour, store.StateQueued},
		{"pair rate first after the horizon fails at once", wire.NewError(wire.CodePairRate, "pair"), horizon + time.Minute, store.StateFailed},
		{"outage first after the horizon fails at once", wire.NewError(wire.CodeServiceUnavailable, "down"), horizon + time.Minute, store.StateFailed},
		{"outage first inside the horizon retries", wire.NewError(wire.CodeServiceUnavailable, "down"), horizon - time.Hour, store.StateQueued},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeClock()
			st := newMemStore()
			st.addSender(store.Sender{PhoneNumberID: pnid, TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "15550001", ThroughputMPS: 1000})
			st.addMessage(store.Message{ID: "m000", SenderID: pnid, TenantID: "t1", WaID: "1", Body: []byte(`{"to":"1"}`),
				NextAttemptAt: c.Now(), CreatedAt: c.Now().Add(-tc.age)})
			up, client := newUpstreamRec(t, c, func(string, int) *wire.Error { return tc.err })
			h := start(t, st, c, client, func(cfg *Config) {
				cfg.MaxInFlight = 1
				cfg.ThrottleHorizon, cfg.PairRateHorizon, cfg.OutageHorizon = horizon, horizon, horizon
			})
			eventually(t, "first attempt recorded", func() bool {
				m := h.st.get("m000")
				return m.Attempts == 1 && m.State != store.StateSending
			})
			h.stop()
			m := h.st.get("m000")
			if m.State != tc.wantState || len(up.records()) != 1 {
				t.Fatalf("after one attempt: state %s (want %s), %d sends", m.State, tc.wantState, len(up.records()))
			}
		})
	}
}

// TestHorizonCountsFromDeferral: a message the gateway held (a limit,
// quiet hours) has its whole horizon left when it may go again: a day's
// deferral followed by a 130429 retries instead of failing at once, while
// the same message never deferred, as old, fails.
func TestHorizonCountsFromDeferral(t *testing.T) {
	const horizon = 6 * time.Hour
	tests := []struct {
		name      string
		defer_    bool
		wantState store.MessageState
	}{
		{"deferred a day, then throttled: retried", true, store.StateQueued},
		{"never deferred, a day old, then throttled: failed", false, store.StateFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeClock()
			t0 := c.Now()
			st := newMemStore()
			st.addSender(store.Sender{PhoneNumberID: pnid, TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "15550001", ThroughputMPS: 1000})
			created := t0
			if !tc.defer_ {
				created = t0.Add(-24 * time.Hour)
			}
			st.addMessage(store.Message{ID: "m000", SenderID: pnid, TenantID: "t1", WaID: "1", Body: []byte(`{"to":"1"}`),
				NextAttemptAt: t0, CreatedAt: created})
			until := t0
			if tc.defer_ {
				until = t0.Add(24 * time.Hour)
			}
			sg := &deferStage{until: until, asked: map[string]int{}}
			up, client := newUpstreamRec(t, c, func(string, int) *wire.Error { return wire.NewError(wire.CodeThroughput, "slow") })
			h := start(t, st, c, client, func(cfg *Config) {
				cfg.MaxInFlight = 1
				cfg.SendTime = sg
				cfg.ThrottleHorizon = horizon
			})
			if tc.defer_ {
				eventually(t, "deferred", func() bool {
					m := h.st.get("m000")
					return m.State == store.StateQueued && m.ReadyAt.Equal(until)
				})
				c.Advance(24*time.Hour + time.Second)
			}
			eventually(t, "first attempt recorded", func() bool {
				m := h.st.get("m000")
				return m.Attempts == 1 && m.State != store.StateSending
			})
			h.stop()
			if m := h.st.get("m000"); m.State != tc.wantState || len(up.records()) != 1 {
				t.Fatalf("after one attempt: %s (want %s), %d sends, %+v", m.State, tc.wantState, len(up.records()), m)
			}
		})
	}
}
