package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestSendEndpoint(t *testing.T) {
	h := newHarness(t, nil)
	msgs := "/v23.0/" + pnid + "/messages"
	tests := []struct {
		name, method, path, body, auth string
		status, code                   int
		check                          func(t *testing.T, m map[string]any)
	}{
		{name: "text accepted, exact shape", method: "POST", path: msgs,
			body:   `{"messaging_product":"whatsapp","to":"+1 (650) 555-1234","type":"text","text":{"body":"hi"}}`,
			status: 200, check: func(t *testing.T, m map[string]any) {
				if len(m) != 3 || m["messaging_product"] != "whatsapp" {
					t.Errorf("body %v", m)
				}
				c := m["contacts"].([]any)[0].(map[string]any)
				if c["input"] != "+1 (650) 555-1234" || c["wa_id"] != "16505551234" {
					t.Errorf("contacts %v", c)
				}
				msg := m["messages"].([]any)[0].(map[string]any)
				if !strings.HasPrefix(msg["id"].(string), "wamid.HBgL") || len(msg) != 1 {
					t.Errorf("messages %v", msg)
				}
			}},
		{name: "unversioned path", method: "POST", path: "/" + pnid + "/messages",
			body: `{"messaging_product":"whatsapp","to":"16505551234","text":{"body":"hi"}}`, status: 200},
		{name: "template accepted has message_status", method: "POST", path: msgs,
			body:   `{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`,
			status: 200, check: func(t *testing.T, m map[string]any) {
				if s := m["messages"].([]any)[0].(map[string]any)["message_status"]; s != "accepted" {
					t.Errorf("message_status %v", s)
				}
			}},
		{name: "pt_BR template with its parameter", method: "POST", path: msgs,
			body:   `{"messaging_product":"whatsapp","to":"5511987654321","type":"template","template":{"name":"confirmacao_pedido","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"A-1"}]}]}}`,
			status: 200, check: func(t *testing.T, m map[string]any) {
				// DDD 11 keeps the ninth digit.
				if w := m["contacts"].([]any)[0].(map[string]any)["wa_id"]; w != "5511987654321" {
					t.Errorf("wa_id %v", w)
				}
			}},
		{name: "brazil ninth digit dropped for DDD 31+", method: "POST", path: msgs,
			body:   `{"messaging_product":"whatsapp","to":"+55 31 98765-4321","type":"text","text":{"body":"oi"}}`,
			status: 200, check: func(t *testing.T, m map[string]any) {
				if w := m["contacts"].([]any)[0].(map[string]any)["wa_id"]; w != "553187654321" {
					t.Errorf("wa_id %v", w)
				}
			}},
		{name: "template parameter count mismatch", method: "POST", path: msgs,
			body:   `{"messaging_product":"whatsapp","to":"5511987654321","type":"template","template":{"name":"confirmacao_pedido","language":{"code":"pt_BR"}}}`,
			status: 400, code: wire.CodeTemplateParams},
		{name: "unknown template", method: "POST", path: msgs,
			body:   `{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"nope","language":{"code":"en_US"}}}`,
			status: 400, code: wire.CodeTemplateMissing},
		{name: "template in wrong language", method: "POST", path: msgs,
			body:   `{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"hello_world","language":{"code":"pt_BR"}}}`,
			status: 400, code: wire.CodeTemplateMissing},
		{name: "mark as read", method: "POST", path: msgs,
			body: `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.abc"}`, status: 200,
			check: func(t *testing.T, m map[string]any) {
				if m["success"] != true || len(m) != 1 {
					t.Errorf("body %v", m)
				}
			}},
		{name: "missing token", method: "POST", path: msgs, auth: "-", body: `{}`, status: 401, code: wire.CodeAccessToken},
		{name: "wrong token", method: "POST", path: msgs, auth: "Bearer nope", body: `{}`, status: 401, code: wire.CodeAccessToken},
		{name: "unknown phone number id", method: "POST", path: "/v23.0/999/messages",
			body: `{"messaging_product":"whatsapp","to":"1","text":{"body":"x"}}`, status: 400, code: 100,
			check: func(t *testing.T, m map[string]any) {
				msg := m["error"].(map[string]any)["message"].(string)
				if !strings.HasPrefix(msg, "Unsupported post request. Object with ID '999' does not exist") {
					t.Errorf("message %q", msg)
				}
			}},
		{name: "invalid json", method: "POST", path: msgs, body: `{"messaging_product":`, status: 400, code: 100},
		{name: "missing text body", method: "POST", path: msgs,
			body: `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{}}`, status: 400, code: wire.CodeMissingParameter},
		{name: "garbage recipient", method: "POST", path: msgs,
			body: `{"messaging_product":"whatsapp","to":"call me","type":"text","text":{"body":"x"}}`, status: 400, code: wire.CodeParameterInvalid},
		{name: "recipient is sender", method: "POST", path: msgs,
			body: `{"messaging_product":"whatsapp","to":"+15550783881","type":"text","text":{"body":"x"}}`, status: 400, code: wire.CodeSameRecipient},
		{name: "GET on messages edge", method: "GET", path: msgs, status: 400, code: 100},
		{name: "unknown route", method: "GET", path: "/v23.0/a/b/c/d", status: 400, code: 2500},
		{name: "unknown object", method: "GET", path: "/v23.0/12345", status: 400, code: 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			auth := "Bearer " + testToken
			switch tc.auth {
			case "-":
				auth = ""
			case "":
			default:
				auth = tc.auth
			}
			status, m := h.doAuth(t, tc.method, tc.path, tc.body, auth)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, m)
			}
			if got := errCode(m); got != tc.code {
				t.Fatalf("error code %d, want %d: %v", got, tc.code, m)
			}
			if tc.code != 0 {
				e := m["error"].(map[string]any)
				if e["fbtrace_id"] == "" || e["type"] == "" || e["message"] == "" {
					t.Errorf("error envelope incomplete: %v", e)
				}
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
	st := h.sim.Stats().Numbers[pnid]
	if st.Rejected[wire.CodeTemplateMissing] != 2 || st.Rejected[wire.CodeTemplateParams] != 1 {
		t.Errorf("rejected counters %v", st.Rejected)
	}
	sent := h.sim.Sent()
	if len(sent) != int(st.Accepted) || sent[0].To != "+1 (650) 555-1234" || sent[0].Body != "hi" || sent[0].Type != "text" {
		t.Errorf("sent records %+v (accepted %d)", sent, st.Accepted)
	}
}

func TestThroughputLimit(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Numbers[0].ThroughputMPS = 5
		c.Limits = LimitsConfig{Throughput: true}
	})
	send := func() (int, int) {
		s, m := h.sendHello(t, "16505551234")
		return s, errCode(m)
	}
	for i := range 5 {
		if s, c := send(); s != 200 {
			t.Fatalf("send %d: %d/%d", i, s, c)
		}
		h.clock.Advance(100 * time.Millisecond)
	}
	// 5 sends in the last 500 ms: the sixth exceeds 5 mps.
	if s, c := send(); s != http.StatusTooManyRequests || c != wire.CodeThroughput {
		t.Fatalf("sixth send: %d/%d, want 429/130429", s, c)
	}
	// Once the first send is a full second old, one more fits.
	h.clock.Advance(500 * time.Millisecond)
	if s, c := send(); s != 200 {
		t.Fatalf("after a second: %d/%d", s, c)
	}
	if s, _ := send(); s != http.StatusTooManyRequests {
		t.Fatalf("immediately again: %d", s)
	}
	st := h.sim.Stats().Numbers[pnid]
	if st.MaxPerSecond != 5 || st.Rejected[wire.CodeThroughput] != 2 || st.Accepted != 6 {
		t.Fatalf("stats %+v", st)
	}
}

// TestPairRateLimit follows meta-platform.md §1.3: bursts of up to 45 in
// 6 s, then a wait as long as the burst would have taken at one message per
// 6 s ("burst of 20 ≈ 2 min wait"); other recipients are unaffected.
func TestPairRateLimit(t *testing.T) {
	const user = "16505551234"
	type step struct {
		at   time.Duration // since the start
		n    int           // messages to user at that time
		ok   int           // of which accepted
		note string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"burst of 45 then repayment", []step{
			{0, 46, 45, "a burst of 45, the 46th refused"},
			{6 * time.Second, 1, 0, "6 s later the burst is still being repaid"},
			{270*time.Second - time.Millisecond, 1, 0, "just before 45 × 6 s"},
			{270 * time.Second, 45, 45, "repaid: a new burst"},
		}},
		{"burst of 20 waits 2 minutes", []step{
			{0, 20, 20, "a burst of 20"},
			{3 * time.Second, 1, 1, "still inside the burst's 6 s"},
			{7 * time.Second, 1, 0, "after the burst's 6 s, repaying 21 × 6 s"},
			{126 * time.Second, 1, 1, "repaid after 126 s"},
		}},
		{"one every 6 s never borrows", []step{
			{0, 1, 1, ""}, {6 * time.Second, 1, 1, ""}, {12 * time.Second, 1, 1, ""}, {18 * time.Second, 1, 1, ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.Numbers[0].ThroughputMPS = 1000
				c.Limits = LimitsConfig{Throughput: true, PairRate: true}
			})
			var now time.Duration
			for i, st := range tc.steps {
				h.clock.Advance(st.at - now)
				now = st.at
				ok := 0
				for range st.n {
					s, m := h.sendHello(t, user)
					switch {
					case s == 200:
						ok++
					case s != http.StatusTooManyRequests || errCode(m) != wire.CodePairRate:
						t.Fatalf("at %v: %d %v, want 429/131056", st.at, s, m)
					}
				}
				if ok != st.ok {
					t.Fatalf("at %v (%s): %d of %d accepted, want %d", st.at, st.note, ok, st.n, st.ok)
				}
				if s, _ := h.sendHello(t, fmt.Sprintf("165055590%02d", i)); s != 200 {
					t.Fatalf("at %v another recipient got %d", st.at, s)
				}
			}
		})
	}
}

// TestInboundCountsAgainstThroughput: Meta counts inbound and outbound
// messages against a number's throughput (meta-platform.md §1.2).
func TestInboundCountsAgainstThroughput(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Numbers[0].ThroughputMPS = 3
		c.Limits = LimitsConfig{Throughput: true}
	})
	for _, from := range []string{"5511987650001", "5511987650002"} {
		if _, err := h.sim.Inbound(pnid, from, "oi"); err != nil {
			t.Fatal(err)
		}
	}
	if s, m := h.sendHello(t, "5511987650003"); s != 200 {
		t.Fatalf("third message of the second: %d %v", s, m)
	}
	if s, m := h.sendHello(t, "5511987650004"); s != http.StatusTooManyRequests || errCode(m) != wire.CodeThroughput {
		t.Fatalf("fourth message of the second (two inbound, two sends): %d %v, want 130429", s, m)
	}
	h.clock.Advance(time.Second)
	if s, m := h.sendHello(t, "5511987650004"); s != 200 {
		t.Fatalf("a second later: %d %v", s, m)
	}
}

// TestMarketingToUSFails: marketing templates to US numbers are accepted
// and then fail like the per-user marketing limit (131049); Canada shares
// +1 and is unaffected, and utility templates still go to the US.
func TestMarketingToUSFails(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Limits = LimitsConfig{} })
	marketing := func(to string) string {
		s, m := h.do(t, http.MethodPost, "/v23.0/"+pnid+"/messages",
			`{"messaging_product":"whatsapp","to":"`+to+`","type":"template","template":{"name":"ofertas_semana","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"}]}]}}`)
		if s != 200 {
			t.Fatalf("marketing to %s: %d %v", to, s, m)
		}
		return messageID(t, m)
	}
	us, ca, br := marketing("16505551234"), marketing("14165550123"), marketing("5511987654321")
	_, m := h.sendHello(t, "16505551235")
	utility := messageID(t, m)
	h.clock.Advance(time.Minute)
	h.flush(t)
	failed := map[string]int{}
	for _, st := range h.rc.statuses(t) {
		if st.Status == wire.StatusFailed {
			failed[st.ID] = st.Errors[0].Code
		}
	}
	if failed[us] != wire.CodeEcosystem {
		t.Errorf("marketing to the US: failed with %d, want 131049", failed[us])
	}
	for name, id := range map[string]string{"Canada": ca, "Brazil": br, "utility to the US": utility} {
		if c, ok := failed[id]; ok {
			t.Errorf("%s failed with %d", name, c)
		}
	}
}

func TestStatsMaxPerSecond(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Limits = LimitsConfig{}; c.Webhooks.Enabled = false })
	burst := func(n int) {
		for range n {
			if s, m := h.sendHello(t, "16505551234"); s != 200 {
				t.Fatalf("send: %d %v", s, m)
			}
		}
	}
	burst(10)
	h.clock.Advance(500 * time.Millisecond)
	burst(10) // 20 within (t0-0.5s, t0+0.5s]
	h.clock.Advance(600 * time.Millisecond)
	burst(3) // the first 10 have left the window: 13
	st := h.sim.Stats()
	if got := st.Numbers[pnid].MaxPerSecond; got != 20 {
		t.Fatalf("MaxPerSecond %d, want 20", got)
	}
	resp, err := h.srv.Client().Get(h.srv.URL + "/sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var remote Stats
	if err := json.NewDecoder(resp.Body).Decode(&remote); err != nil {
		t.Fatal(err)
	}
	if r := remote.Numbers[pnid]; r.MaxPerSecond != 20 || r.Accepted != 23 {
		t.Fatalf("GET /sim/stats %+v", r)
	}
}

func TestMessagingLimitAndServiceWindow(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Numbers[0].MessagingLimitTier = "TIER_50"
		c.Limits = LimitsConfig{MessagingLimit: true, ServiceWindow: true}
	})
	// A user inside the service window does not count against the tier.
	if _, err := h.sim.Inbound(pnid, "+1 650 555 0000", "oi"); err != nil {
		t.Fatal(err)
	}
	if s, _ := h.sendText(t, "16505550000", "reply in window"); s != 200 {
		t.Fatal(s)
	}
	if s, _ := h.sendText(t, "16505550001", "outside window"); s != 200 {
		t.Fatal(s)
	}
	for i := range 51 {
		to := "1650666" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "00"
		if s, m := h.sendHello(t, to); s != 200 {
			t.Fatalf("send %d: %v", i, m)
		}
	}
	// Re-sending to an already reached user is still fine.
	h.sendHello(t, "16506660000")
	st := h.sim.Stats().Numbers[pnid]
	if st.Failed[wire.CodeSpamRateLimit] != 1 || st.Failed[wire.CodeWindowClosed] != 1 || len(st.Failed) != 2 {
		t.Fatalf("failed %v", st.Failed)
	}
	// After 24 h the window has rolled over.
	h.clock.Advance(24*time.Hour + time.Second)
	h.sendHello(t, "16507770000")
	if got := h.sim.Stats().Numbers[pnid].Failed[wire.CodeSpamRateLimit]; got != 1 {
		t.Fatalf("after 24 h failures %d", got)
	}
	h.clock.Advance(time.Second)
	h.flush(t)
	var codes []int
	for _, s := range h.rc.statuses(t) {
		if s.Status == wire.StatusFailed {
			codes = append(codes, s.Errors[0].Code)
		}
	}
	if len(codes) != 2 || codes[0] != wire.CodeWindowClosed || codes[1] != wire.CodeSpamRateLimit {
		t.Fatalf("failed statuses %v", codes)
	}
}

func TestPhoneNumberEndpoint(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		query  string
		status int
		want   map[string]any
	}{
		{"", 200, map[string]any{"id": pnid, "display_phone_number": "15550783881", "verified_name": "Wabaguard Test", "quality_rating": "GREEN"}},
		{"?fields=throughput,status,whatsapp_business_manager_messaging_limit", 200, map[string]any{
			"id": pnid, "throughput": map[string]any{"level": "STANDARD"}, "status": "CONNECTED", "whatsapp_business_manager_messaging_limit": "TIER_250"}},
		{"?fields=bogus", 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			s, m := h.do(t, "GET", "/v23.0/"+pnid+tc.query, "")
			if s != tc.status {
				t.Fatalf("status %d: %v", s, m)
			}
			if tc.want == nil {
				if errCode(m) != 100 {
					t.Fatalf("%v", m)
				}
				return
			}
			a, _ := json.Marshal(m)
			b, _ := json.Marshal(tc.want)
			if !bytes.Equal(a, b) {
				t.Fatalf("got %s, want %s", a, b)
			}
		})
	}
}

func TestMedia(t *testing.T) {
	h := newHarness(t, nil)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.WriteField("type", "image/png")
	fw, _ := mw.CreateFormFile("file", "a.png")
	_, _ = fw.Write([]byte("not really a png"))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", h.srv.URL+"/v23.0/"+pnid+"/media", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var up map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&up)
	resp.Body.Close()
	id := up["id"]
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("upload: %d %v", resp.StatusCode, up)
	}
	s, info := h.do(t, "GET", "/v23.0/"+id, "")
	if s != 200 || info["mime_type"] != "image/png" || info["file_size"] != "16" || info["id"] != id ||
		info["messaging_product"] != "whatsapp" || info["sha256"] != fmt.Sprintf("%x", sha256.Sum256([]byte("not really a png"))) {
		t.Fatalf("info %v", info)
	}
	dl, _ := http.NewRequest("GET", info["url"].(string), nil)
	dl.Header.Set("Authorization", "Bearer "+testToken)
	dresp, err := h.srv.Client().Do(dl)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(dresp.Body)
	dresp.Body.Close()
	if string(data) != "not really a png" || dresp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("download %q", data)
	}
	if s, m := h.do(t, "DELETE", "/v23.0/"+id, ""); s != 200 || m["success"] != true {
		t.Fatalf("delete %d %v", s, m)
	}
	if s, m := h.do(t, "GET", "/v23.0/"+id, ""); s != 400 || errCode(m) != 100 {
		t.Fatalf("after delete %d %v", s, m)
	}
	// Not multipart.
	if s, m := h.do(t, "POST", "/v23.0/"+pnid+"/media", `{}`); s != 400 || errCode(m) != 100 {
		t.Fatalf("json upload %d %v", s, m)
	}
}

// TestSendAnswersMessageStatus: a Behaviour can make the send answer carry
// the message_status Meta gives a template held for quality assessment or
// paused; by default a template answers accepted and a text nothing.
func TestSendAnswersMessageStatus(t *testing.T) {
	tests := []struct {
		name     string
		status   string // the Reaction's
		template bool
		want     any
	}{
		{"held", wire.MessageStatusHeld, true, wire.MessageStatusHeld},
		{"paused", wire.MessageStatusPaused, true, wire.MessageStatusPaused},
		{"template default", "", true, wire.MessageStatusAccepted},
		{"text default", "", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.Behaviour = BehaviourFunc(func(context.Context, Delivery, *rand.Rand) Reaction {
					return Reaction{MessageStatus: tc.status}
				})
			})
			send := h.sendHello
			if !tc.template {
				send = func(t *testing.T, to string) (int, map[string]any) { return h.sendText(t, to, "hi") }
			}
			code, m := send(t, "15551230001")
			if code != 200 {
				t.Fatalf("send: %d %v", code, m)
			}
			if got := m["messages"].([]any)[0].(map[string]any)["message_status"]; got != tc.want {
				t.Fatalf("message_status %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMessagingLimitPerPortfolio: numbers of two WABAs of one business
// portfolio share its limit, a number of another portfolio does not; a
// recipient counts while their last reach is within 24 hours; the phone
// number endpoint answers the portfolio's tier.
func TestMessagingLimitPerPortfolio(t *testing.T) {
	const pnB, pnC = "106540352242923", "106540352242924"
	h := newHarness(t, func(c *Config) {
		c.Numbers = []Number{
			{PhoneNumberID: pnid, WABAID: wabaID, BusinessID: "bp1", MessagingLimitTier: "TIER_50"},
			{PhoneNumberID: pnB, WABAID: "102290129340399", BusinessID: "bp1", MessagingLimitTier: "TIER_2K"},
			{PhoneNumberID: pnC, WABAID: "102290129340400", BusinessID: "bp2", MessagingLimitTier: "TIER_50"},
		}
		c.Limits = LimitsConfig{MessagingLimit: true, ServiceWindow: true}
	})
	hello := func(from, to string) {
		t.Helper()
		if s, m := h.do(t, http.MethodPost, "/v23.0/"+from+"/messages",
			`{"messaging_product":"whatsapp","to":"`+to+`","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`); s != 200 {
			t.Fatalf("send from %s: %d %v", from, s, m)
		}
	}
	to := func(i int) string { return fmt.Sprintf("1650666%04d", i) }
	for i := range 30 {
		hello(pnid, to(i))
	}
	h.clock.Advance(23 * time.Hour)
	hello(pnB, to(0)) // reached again: counts on from now, takes no new slot
	for i := 30; i < 50; i++ {
		hello(pnB, to(i))
	}
	hello(pnB, to(50)) // the 51st recipient of bp1
	for i := range 50 {
		hello(pnC, to(i)) // bp2 has its own 50
	}
	failed := func(pn string) int64 { return h.sim.Stats().Numbers[pn].Failed[wire.CodeSpamRateLimit] }
	if failed(pnid) != 0 || failed(pnB) != 1 || failed(pnC) != 0 {
		t.Fatalf("131048 failures: A %d, B %d, C %d; want 0, 1, 0", failed(pnid), failed(pnB), failed(pnC))
	}
	// At 24 h the 29 reached only at the start leave; the one reached
	// again at 23 h still counts, so 29 slots free, not 30.
	h.clock.Advance(time.Hour + time.Second)
	for i := 100; i < 130; i++ {
		hello(pnid, to(i))
	}
	if failed(pnid) != 1 {
		t.Fatalf("after the window moved: %d failures from A, want 1", failed(pnid))
	}
	_, m := h.do(t, http.MethodGet, "/v23.0/"+pnB+"?fields=whatsapp_business_manager_messaging_limit", "")
	if m["whatsapp_business_manager_messaging_limit"] != "TIER_50" {
		t.Errorf("tier of B = %v, want the portfolio's TIER_50", m["whatsapp_business_manager_messaging_limit"])
	}
}
