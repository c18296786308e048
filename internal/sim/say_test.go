package sim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// A person writing through POST /sim/say opens the window exactly as Meta's
// would: the free-form reply that failed 131047 before is delivered after,
// and the business gets a signed messages webhook with the person's text.
func TestSayOpensTheWindowAndSendsTheInboundWebhook(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Limits = LimitsConfig{ServiceWindow: true} })
	const person = "+1 650 555 0100"

	s, m := h.sendText(t, person, "before")
	if s != 200 {
		t.Fatal(m)
	}
	h.clock.Advance(time.Second)
	h.flush(t)
	if sts := h.rc.statuses(t); len(sts) != 1 || sts[0].Status != "failed" || sts[0].Errors[0].Code != wire.CodeWindowClosed {
		t.Fatalf("before say: want one failed 131047, got %+v", sts)
	}

	// No token: the person is not the business.
	s, m = h.doAuth(t, http.MethodPost, "/sim/say", `{"from":"`+person+`","text":"Oi, tudo bem?"}`, "")
	if s != 200 || m["wa_id"] != "16505550100" || m["phone_number_id"] != pnid || m["message_id"] == "" || m["window_open_until"] == "" {
		t.Fatalf("say: %d %v", s, m)
	}
	h.flush(t)
	var got string
	for _, b := range h.rc.all() {
		var n wire.Notification
		if err := json.Unmarshal(b, &n); err != nil {
			t.Fatal(err)
		}
		var v struct {
			Messages []inboundText `json:"messages"`
		}
		if err := json.Unmarshal(n.Entry[0].Changes[0].Value, &v); err == nil && len(v.Messages) == 1 {
			got = v.Messages[0].From + ": " + v.Messages[0].Text.Body
		}
	}
	if got != "16505550100: Oi, tudo bem?" || h.rc.bad != 0 {
		t.Fatalf("inbound webhook %q (%d bad signatures)", got, h.rc.bad)
	}

	before := len(h.rc.statuses(t))
	if s, m := h.sendText(t, person, "after"); s != 200 {
		t.Fatal(m)
	}
	h.clock.Advance(time.Second)
	h.flush(t)
	sts := h.rc.statuses(t)[before:]
	if len(sts) == 0 || sts[0].Status != "sent" || h.sim.Stats().Numbers[pnid].Failed[wire.CodeWindowClosed] != 1 {
		t.Fatalf("after say: want sent and no second 131047; got %+v", sts)
	}
}

func TestSayRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		method string
		body   string
		status int
		code   int
	}{
		{"not json", nil, http.MethodPost, `{`, 400, wire.CodeInvalidParameter},
		{"no from", nil, http.MethodPost, `{"text":"oi"}`, 400, wire.CodeMissingParameter},
		{"no text", nil, http.MethodPost, `{"from":"+16505550100"}`, 400, wire.CodeInvalidParameter},
		{"not a phone", nil, http.MethodPost, `{"from":"abc","text":"oi"}`, 400, wire.CodeInvalidParameter},
		{"unknown number", nil, http.MethodPost, `{"from":"+16505550100","to_phone_number_id":"1","text":"oi"}`, 400, wire.CodeInvalidParameter},
		{"webhooks off", func(c *Config) { c.Webhooks.Enabled = false }, http.MethodPost, `{"from":"+16505550100","text":"oi"}`, 409, wire.CodeInvalidParameter},
		{"two numbers, no to", func(c *Config) {
			c.Numbers = append(c.Numbers, Number{PhoneNumberID: "106540352242923", WABAID: wabaID, DisplayPhoneNumber: "+1 555 0101"})
		}, http.MethodPost, `{"from":"+16505550100","text":"oi"}`, 400, wire.CodeInvalidParameter},
		{"GET", nil, http.MethodGet, ``, 400, wire.CodeInvalidParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.mutate)
			s, m := h.doAuth(t, tc.method, "/sim/say", tc.body, "")
			if s != tc.status || errCode(m) != tc.code {
				t.Fatalf("got %d %v, want %d code %d", s, m, tc.status, tc.code)
			}
		})
	}
}
