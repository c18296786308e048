package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// stage refuses the recipients it is told to, and fails to read facts for
// others while broken.
type stage struct {
	mu     sync.Mutex
	refuse map[string]bool
	broken map[string]bool
	asked  map[string]int
}

func (s *stage) CheckSend(_ context.Context, msg *store.Message, _ time.Time) (*LateRefusal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked[msg.WaID]++
	if s.broken[msg.WaID] {
		return nil, errors.New("ledger unreachable")
	}
	if s.refuse[msg.WaID] {
		return &LateRefusal{Code: "suppression.opted_out", Status: wire.StatusError{Code: 470100, Title: "Contact asked not to be messaged",
			Message: "Contact asked not to be messaged", Href: "https://example/r470100", ErrorData: &wire.StatusErrorData{Details: "opted out"}}}, nil
	}
	return nil, nil
}

// Refused messages fail with the stage's code and a failed status to the
// tenant, never reach the upstream and take none of the number's
// throughput; a message whose facts cannot be read waits, unsent.
func TestSendTimeStage(t *testing.T) {
	c := newFakeClock()
	t0 := c.Now()
	st := newMemStore()
	var tos []string
	for i := range 60 {
		tos = append(tos, fmt.Sprint(200+i))
	}
	seed(st, c, tos...)
	st.addSender(store.Sender{PhoneNumberID: pnid, TenantID: "t1", WABAID: "w1", ThroughputMPS: 5})
	sg := &stage{refuse: map[string]bool{}, broken: map[string]bool{"259": true}, asked: map[string]int{}}
	for _, to := range tos[:50] {
		sg.refuse[to] = true
	}
	u, cl := newUpstreamRec(t, c, nil)
	start(t, st, c, cl, func(cfg *Config) { cfg.SendTime = sg })
	eventually(t, "refused and sent", func() bool {
		return st.count(store.StateFailed) == 50 && st.count(store.StateSent) == 9
	})
	for _, r := range u.records() {
		if sg.refuse[r.to] || r.to == "259" {
			t.Fatalf("%s reached the upstream", r.to)
		}
	}
	m := st.get("m000")
	if m.ErrorCode != 470100 || m.MetaID != "" || !strings.Contains(m.ErrorDetail, "suppression.opted_out") {
		t.Fatalf("refused message recorded as %+v", m)
	}
	// The 50 refusals took no tokens: the 9 sends went out at 5 mps from
	// the start, not after 50 token slots (10 s).
	recs := u.records()
	if span := recs[len(recs)-1].at.Sub(t0); span > 5*time.Second {
		t.Fatalf("the allowed messages waited %v: refusals took throughput", span)
	}
	if got := st.get("m059"); got.State != store.StateQueued || got.MetaID != "" {
		t.Fatalf("a message whose facts could not be read: %+v", got)
	}
	failed := 0
	for _, f := range st.getForwards() {
		if strings.Contains(string(f.Value), `"code":470100`) && strings.Contains(string(f.Value), `"href"`) {
			failed++
		}
	}
	if failed != 50 {
		t.Fatalf("%d failed statuses for 50 refusals", failed)
	}
}

// deferStage defers every message until a time, once each.
type deferStage struct {
	mu    sync.Mutex
	until time.Time
	asked map[string]int
}

func (s *deferStage) CheckSend(_ context.Context, msg *store.Message, now time.Time) (*LateRefusal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked[msg.WaID]++
	if now.Before(s.until) {
		return &LateRefusal{Code: "quiet_hours.closed", Until: s.until}, nil
	}
	return nil, nil
}

// A deferral at send time puts the message back unsent and unfailed; it is
// sent once its time comes, and nothing reached the upstream before.
func TestSendTimeDeferral(t *testing.T) {
	c := newFakeClock()
	t0 := c.Now()
	st := newMemStore()
	tos := []string{"301", "302", "303"}
	seed(st, c, tos...)
	st.addSender(store.Sender{PhoneNumberID: pnid, TenantID: "t1", WABAID: "w1", ThroughputMPS: 50})
	sg := &deferStage{until: t0.Add(time.Hour), asked: map[string]int{}}
	u, cl := newUpstreamRec(t, c, nil)
	start(t, st, c, cl, func(cfg *Config) { cfg.SendTime = sg })
	eventually(t, "deferred", func() bool {
		sg.mu.Lock()
		defer sg.mu.Unlock()
		return len(sg.asked) == 3
	})
	eventually(t, "put back", func() bool {
		for _, to := range []string{"m000", "m001", "m002"} {
			if m := st.get(to); m.State != store.StateQueued || !m.NextAttemptAt.Equal(t0.Add(time.Hour)) {
				return false
			}
		}
		return true
	})
	if n := len(u.records()); n != 0 {
		t.Fatalf("%d deferred messages reached the upstream", n)
	}
	if n := st.count(store.StateFailed); n != 0 {
		t.Fatalf("%d deferred messages failed", n)
	}
	c.Advance(time.Hour + time.Second)
	eventually(t, "sent when the time came", func() bool { return st.count(store.StateSent) == 3 })
}
