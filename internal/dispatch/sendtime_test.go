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

// batchStage is a send-time stage deciding on whole claims: it allows
// everything and records how it was asked.
type batchStage struct {
	mu        sync.Mutex
	batches   []int
	singles   int
	rechecks  int
	released  map[string]int
	reserved  map[string]int
	deferWaID string
}

func (s *batchStage) CheckSend(_ context.Context, msg *store.Message, _ time.Time) (*LateRefusal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.singles++
	return nil, nil
}

func (s *batchStage) CheckSends(_ context.Context, msgs []store.Message, now time.Time) ([]*LateRefusal, []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, len(msgs))
	lates := make([]*LateRefusal, len(msgs))
	for i, m := range msgs {
		if m.WaID == s.deferWaID {
			lates[i] = &LateRefusal{Code: "messaging_limit.reached", Until: now.Add(time.Hour)}
			continue
		}
		s.reserved[m.ID]++
	}
	return lates, make([]error, len(msgs))
}

func (s *batchStage) RecheckSend(_ context.Context, _ *store.Message, _ time.Time) (*LateRefusal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rechecks++
	return nil, nil
}

func (s *batchStage) ReleaseSend(_ context.Context, msg *store.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released[msg.ID]++
	return nil
}

// TestSendTimeBatch: a batch stage decides on each claim in one call (no
// message is asked alone), a message it defers is put back, and a message
// set aside for its recipient's pair rate gives its slot back.
func TestSendTimeBatch(t *testing.T) {
	c := newFakeClock()
	st := newMemStore()
	// 30 recipients, the first one three times (its second and third
	// messages wait for its pair slot), and one the stage defers.
	tos := []string{"400", "400", "400"}
	for i := range 30 {
		tos = append(tos, fmt.Sprintf("5%02d", i))
	}
	tos = append(tos, "999")
	seed(st, c, tos...)
	sg := &batchStage{released: map[string]int{}, reserved: map[string]int{}, deferWaID: "999"}
	_, cl := newUpstreamRec(t, c, nil)
	start(t, st, c, cl, func(cfg *Config) { cfg.SendTime = sg; cfg.PairBurst = 1 })
	eventually(t, "all but the deferred one sent", func() bool {
		c.Advance(time.Second)
		return st.count(store.StateSent) == len(tos)-1
	})
	sg.mu.Lock()
	defer sg.mu.Unlock()
	if sg.singles != 0 {
		t.Errorf("%d messages asked one by one", sg.singles)
	}
	asked := 0
	for _, n := range sg.batches {
		asked += n
	}
	if len(sg.batches) == 0 || sg.batches[0] < 30 {
		t.Errorf("claims asked in batches %v, want the first claim whole", sg.batches)
	}
	// The two set aside for the pair rate gave their slot back each time.
	if sg.released["m001"] == 0 || sg.released["m002"] == 0 {
		t.Errorf("released %v: the set-aside messages kept their slots", sg.released)
	}
	for id, n := range sg.released {
		if id != "m001" && id != "m002" {
			t.Errorf("%s released %d times though it was sent", id, n)
		}
	}
	if m := st.get(fmt.Sprintf("m%03d", len(tos)-1)); m.State != store.StateQueued || m.ReadyAt.IsZero() {
		t.Errorf("deferred message %+v", m)
	}
	t.Logf("batches %v (%d asks for %d messages)", sg.batches, asked, len(tos))
}
