package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestStatusWebhooksSignedAndOrdered(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Webhooks.ReadProbability = 1 })
	if _, err := h.sim.Inbound(pnid, "5531987654321", "Olá ✓ 😀"); err != nil {
		t.Fatal(err)
	}
	h.flush(t)
	s, m := h.do(t, "POST", "/v23.0/"+pnid+"/messages",
		`{"messaging_product":"whatsapp","to":"5531987654321","type":"text","text":{"body":"oi"},"biz_opaque_callback_data":"tag-1"}`)
	if s != 200 {
		t.Fatal(m)
	}
	id := messageID(t, m)
	for _, step := range []time.Duration{300 * time.Millisecond, 1200 * time.Millisecond, 20 * time.Second} {
		h.clock.Advance(step)
		h.flush(t)
	}
	bodies := h.rc.all()
	if h.rc.bad != 0 || len(bodies) != 4 {
		t.Fatalf("%d bodies, %d with bad signatures", len(bodies), h.rc.bad)
	}
	// Non-ASCII arrives escaped with lowercase hex, surrogate pairs for emoji.
	if !bytes.Contains(bodies[0], []byte(`Ol\u00e1 \u2713 \ud83d\ude00`)) || bytes.ContainsAny(bodies[0], "á✓") {
		t.Fatalf("inbound not escaped: %s", bodies[0])
	}
	var inbound struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Messages []struct{ From, Type string }
				}
			}
		}
	}
	if err := json.Unmarshal(bodies[0], &inbound); err != nil || inbound.Entry[0].Changes[0].Value.Messages[0].From != "553187654321" {
		t.Fatalf("inbound %s", bodies[0])
	}
	sts := h.rc.statuses(t)
	want := []string{"sent", "delivered", "read"}
	if len(sts) != 3 {
		t.Fatalf("statuses %+v", sts)
	}
	for i, st := range sts {
		if st.Status != want[i] || st.ID != id || st.RecipientID != "553187654321" || st.BizOpaqueCallbackData != "tag-1" {
			t.Errorf("status %d: %+v", i, st)
		}
		if (st.Pricing != nil) != (st.Status != "read") {
			t.Errorf("pricing on %s: %s", st.Status, st.Pricing)
		}
	}
	if sts[0].Timestamp != "1772366400" {
		t.Errorf("sent timestamp %q", sts[0].Timestamp)
	}
	var n wire.Notification
	_ = json.Unmarshal(bodies[1], &n)
	if n.Object != wire.ObjectWABA || n.Entry[0].ID != wabaID || n.Entry[0].Changes[0].Field != "messages" {
		t.Fatalf("envelope %s", bodies[1])
	}
}

func TestWebhookRetry(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Webhooks.RetryBase = time.Second
		c.Webhooks.MaxAttempts = 3
	})
	h.rc.fail = 2
	h.sendHello(t, "16505551234")
	h.clock.Advance(300 * time.Millisecond) // sent is due
	h.flush(t)
	h.clock.Advance(time.Second) // first retry; delivered is also due now
	h.flush(t)
	if got := len(h.rc.all()); got != 0 {
		t.Fatalf("%d bodies accepted before the receiver recovered", got)
	}
	h.clock.Advance(2 * time.Second) // second retry (backoff doubled) and delivered's first retry
	h.flush(t)
	sts := h.rc.statuses(t)
	if len(sts) != 2 {
		t.Fatalf("statuses after retries: %+v", sts)
	}
	st := h.sim.Stats()
	if st.WebhookFailures != 2 || st.WebhookPosts != 2 || st.WebhookDropped != 0 || st.WebhookPending != 0 {
		t.Fatalf("stats %+v", st)
	}
	// A receiver that never recovers: the POST is dropped after MaxAttempts.
	h.rc.fail = 100
	h.sendHello(t, "16505551234")
	for range 5 {
		h.clock.Advance(10 * time.Second)
		h.flush(t)
	}
	if st := h.sim.Stats(); st.WebhookDropped != 1 || st.WebhookPending != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWebhookAnomalies(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*WebhooksConfig)
		check  func(t *testing.T, sts []wire.Status)
	}{
		{"reorder", func(w *WebhooksConfig) { w.ReorderProbability = 1 }, func(t *testing.T, sts []wire.Status) {
			if len(sts) != 6 {
				t.Fatalf("%d statuses", len(sts))
			}
			for i := 0; i < 6; i += 3 {
				if sts[i].Status != "delivered" || sts[i+1].Status != "sent" || sts[i+2].Status != "read" {
					t.Errorf("order %s %s %s", sts[i].Status, sts[i+1].Status, sts[i+2].Status)
				}
			}
		}},
		{"duplicate", func(w *WebhooksConfig) { w.DuplicateProbability = 1 }, func(t *testing.T, sts []wire.Status) {
			if len(sts) != 12 {
				t.Fatalf("%d statuses", len(sts))
			}
			for i := 0; i < 12; i += 2 {
				if sts[i].ID != sts[i+1].ID || sts[i].Status != sts[i+1].Status {
					t.Errorf("not duplicated: %+v %+v", sts[i], sts[i+1])
				}
			}
		}},
		{"skip delivered", func(w *WebhooksConfig) { w.SkipDeliveredProbability = 1 }, func(t *testing.T, sts []wire.Status) {
			if len(sts) != 4 {
				t.Fatalf("%d statuses", len(sts))
			}
			for _, s := range sts {
				if s.Status == "delivered" {
					t.Errorf("delivered sent: %+v", s)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.Webhooks.ReadProbability = 1
				c.Webhooks.SentDelay = time.Second
				c.Webhooks.DeliveredDelay = 2 * time.Second
				c.Webhooks.ReadDelay = 3 * time.Second
				tc.mutate(&c.Webhooks)
			})
			h.sendHello(t, "16505551234")
			h.sendHello(t, "16505551235")
			// One flush per second keeps each message's statuses in due order.
			for range 4 {
				h.clock.Advance(time.Second)
				h.flush(t)
			}
			sts := h.rc.statuses(t)
			// Group per message for the checks.
			var byMsg []wire.Status
			for _, id := range []string{sts[0].ID, otherID(sts)} {
				for _, s := range sts {
					if s.ID == id {
						byMsg = append(byMsg, s)
					}
				}
			}
			tc.check(t, byMsg)
		})
	}
}

func otherID(sts []wire.Status) string {
	for _, s := range sts {
		if s.ID != sts[0].ID {
			return s.ID
		}
	}
	return ""
}

// run drives one simulator through a fixed script and returns what it produced.
func run(t *testing.T, seed int64) (ids []string, bodies [][]byte) {
	h := newHarness(t, func(c *Config) {
		c.Seed = seed
		c.Webhooks.ReadProbability = 0.5
		c.Webhooks.DuplicateProbability = 0.3
		c.Webhooks.ReorderProbability = 0.3
		c.Webhooks.SkipDeliveredProbability = 0.3
		c.Limits = LimitsConfig{}
	})
	for i := range 20 {
		_, m := h.sendHello(t, "1650555"+strings.Repeat(string(rune('0'+i%10)), 4))
		ids = append(ids, messageID(t, m))
		h.clock.Advance(100 * time.Millisecond)
	}
	for range 30 {
		h.clock.Advance(time.Second)
		h.flush(t)
	}
	return ids, h.rc.all()
}

func TestDeterminism(t *testing.T) {
	ids1, b1 := run(t, 7)
	ids2, b2 := run(t, 7)
	ids3, _ := run(t, 8)
	if strings.Join(ids1, ",") != strings.Join(ids2, ",") {
		t.Fatal("same seed, different ids")
	}
	if strings.Join(ids1, ",") == strings.Join(ids3, ",") {
		t.Fatal("different seeds, same ids")
	}
	if len(b1) == 0 || len(b1) != len(b2) {
		t.Fatalf("webhook counts %d vs %d", len(b1), len(b2))
	}
	for i := range b1 {
		if !bytes.Equal(b1[i], b2[i]) {
			t.Fatalf("webhook %d differs:\n%s\n%s", i, b1[i], b2[i])
		}
	}
}

func TestBehaviourSeam(t *testing.T) {
	const victim = "16505550666"
	h := newHarness(t, func(c *Config) {
		c.Limits = LimitsConfig{}
		c.Behaviour = BehaviourFunc(func(_ context.Context, d Delivery, _ *rand.Rand) Reaction {
			switch {
			case d.To == victim:
				return Reaction{FailCode: wire.CodeUndeliverable}
			case d.Text == "stop":
				return Reaction{OptOutMarketing: true, Reply: "PARAR", Quality: "YELLOW"}
			case d.Text == "block":
				return Reaction{Block: true, Report: true}
			}
			return Reaction{}
		})
	})
	h.sendHello(t, victim)
	h.sendHello(t, "16505551111")
	h.sendText(t, "16505552222", "stop")
	h.sendText(t, "16505553333", "block")
	h.sendText(t, "16505553333", "again") // blocked now
	h.clock.Advance(5 * time.Second)
	h.flush(t)
	got := map[string][]string{}
	for _, s := range h.rc.statuses(t) {
		v := s.Status
		if s.Status == wire.StatusFailed {
			v += ":" + wire.Title(s.Errors[0].Code)
		}
		got[s.RecipientID] = append(got[s.RecipientID], v)
	}
	undeliverable := "failed:" + wire.Title(wire.CodeUndeliverable)
	if g := got[victim]; len(g) != 1 || g[0] != undeliverable {
		t.Errorf("victim statuses %v", g)
	}
	if g := got["16505551111"]; len(g) != 2 || g[0] != "sent" || g[1] != "delivered" {
		t.Errorf("other statuses %v", g)
	}
	if g := strings.Join(got["16505553333"], ","); g != "sent,"+undeliverable+",delivered" {
		// The failure comes at SentDelay, before the first message's delivered.
		t.Errorf("blocking user statuses %v", g)
	}
	fields := strings.Join(h.rc.fields(), ",")
	if !strings.Contains(fields, "user_preferences") || strings.Count(fields, "messages") < 2 {
		t.Errorf("fields %s", fields)
	}
	st := h.sim.Stats().Numbers[pnid]
	if st.Blocks != 1 || st.Reports != 1 || st.Quality != "YELLOW" || st.Failed[wire.CodeUndeliverable] != 2 {
		t.Errorf("stats %+v", st)
	}
	if s, m := h.do(t, "GET", "/"+pnid, ""); s != 200 || m["quality_rating"] != "YELLOW" {
		t.Errorf("quality %v", m)
	}
	// The opt-out stops marketing templates.
	if s, m := h.do(t, "POST", "/"+wabaID+"/message_templates",
		`{"name":"promo","category":"MARKETING","language":"en_US","components":[{"type":"BODY","text":"Sale!"}]}`); s != 200 {
		t.Fatal(m)
	}
	h.clock.Advance(time.Hour)
	if s, m := h.do(t, "POST", "/"+pnid+"/messages",
		`{"messaging_product":"whatsapp","to":"16505552222","type":"template","template":{"name":"promo","language":{"code":"en_US"}}}`); s != 200 {
		t.Fatal(m)
	}
	if n := h.sim.Stats().Numbers[pnid].Failed[wire.CodeMarketingStopped]; n != 1 {
		t.Errorf("131050 failures %d", n)
	}
}

func TestStartDeliversWithoutFlush(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.sim.Start(ctx)
	h.sendHello(t, "16505551234")
	// The sender goroutine may not have armed its timer yet: advance in small
	// steps until the webhook arrives, bounded in count and in wall time.
	deadline := time.After(10 * time.Second)
	for i := 0; len(h.rc.all()) == 0; i++ {
		if i > 1000 {
			t.Fatal("no webhook after 1000 clock steps")
		}
		h.clock.Advance(100 * time.Millisecond)
		select {
		case <-h.rc.got:
		case <-deadline:
			t.Fatal("no webhook delivered")
		case <-time.After(10 * time.Millisecond):
		}
	}
	h.sim.Close()
	if sts := h.rc.statuses(t); len(sts) == 0 || sts[0].Status != "sent" {
		t.Fatalf("statuses %+v", sts)
	}
}

func TestASCIIJSON(t *testing.T) {
	in := []byte(`{"a":"é\u003c😀","b":1}`)
	want := `{"a":"\u00e9\u003c\ud83d\ude00","b":1}`
	if got := string(asciiJSON(in)); got != want {
		t.Fatalf("got %s", got)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(want), &back); err != nil || back["a"] != "é<😀" {
		t.Fatalf("round trip %v %v", back, err)
	}
}
