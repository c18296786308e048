package sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

const (
	testToken  = "test-token"
	testSecret = "app-secret"
	pnid       = "106540352242922"
	wabaID     = "102290129340398"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// receiver is a webhook endpoint that verifies signatures and keeps bodies.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	bad    int // bodies with an invalid signature
	fail   int // answer 500 to this many POSTs first
	got    chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan struct{}, 1024)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		if rc.fail > 0 {
			rc.fail--
			rc.mu.Unlock()
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if !wire.VerifySignature([]byte(testSecret), b, r.Header.Get(wire.SignatureHeader)) {
			rc.bad++
		}
		rc.bodies = append(rc.bodies, b)
		rc.mu.Unlock()
		select {
		case rc.got <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...)
}

// statuses flattens every status of every received messages webhook.
func (rc *receiver) statuses(t *testing.T) []wire.Status {
	t.Helper()
	var out []wire.Status
	for _, b := range rc.all() {
		var n wire.Notification
		if err := json.Unmarshal(b, &n); err != nil {
			t.Fatalf("webhook body is not a notification: %v", err)
		}
		for _, e := range n.Entry {
			for _, c := range e.Changes {
				if c.Field != "messages" {
					continue
				}
				var v wire.MessagesValue
				if err := json.Unmarshal(c.Value, &v); err != nil {
					t.Fatal(err)
				}
				out = append(out, v.Statuses...)
			}
		}
	}
	return out
}

// fields returns the change fields of every received webhook, in order.
func (rc *receiver) fields() []string {
	var out []string
	for _, b := range rc.all() {
		var n wire.Notification
		_ = json.Unmarshal(b, &n)
		for _, e := range n.Entry {
			for _, c := range e.Changes {
				out = append(out, c.Field)
			}
		}
	}
	return out
}

type harness struct {
	sim   *Sim
	clock *ManualClock
	srv   *httptest.Server
	rc    *receiver
}

// newHarness builds a simulator on a manual clock, served over loopback,
// with webhooks going to a verifying receiver.
func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	h := &harness{clock: NewManualClock(t0), rc: newReceiver(t)}
	cfg := DefaultConfig()
	cfg.Seed = 42
	cfg.Clock = h.clock
	cfg.AppSecret = testSecret
	cfg.AccessTokens = []string{testToken}
	cfg.WebhookURL = h.rc.srv.URL
	cfg.Webhooks.ReadProbability = 0
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.sim = s
	h.srv = httptest.NewServer(s.Handler())
	t.Cleanup(h.srv.Close)
	t.Cleanup(s.Close)
	return h
}

// do sends a request with the test token and decodes a JSON answer.
func (h *harness) do(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	return h.doAuth(t, method, path, body, "Bearer "+testToken)
}

func (h *harness) doAuth(t *testing.T, method, path, body, auth string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: response is not JSON: %v", method, path, err)
	}
	return resp.StatusCode, m
}

func (h *harness) sendText(t *testing.T, to, body string) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "text", "text": map[string]string{"body": body}})
	return h.do(t, http.MethodPost, "/v23.0/"+pnid+"/messages", string(b))
}

func (h *harness) sendHello(t *testing.T, to string) (int, map[string]any) {
	t.Helper()
	return h.do(t, http.MethodPost, "/v23.0/"+pnid+"/messages",
		`{"messaging_product":"whatsapp","to":"`+to+`","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`)
}

func (h *harness) flush(t *testing.T) {
	t.Helper()
	if err := h.sim.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// errCode extracts error.code from a Graph error body (0 if none).
func errCode(m map[string]any) int {
	e, ok := m["error"].(map[string]any)
	if !ok {
		return 0
	}
	c, _ := e["code"].(float64)
	return int(c)
}

func messageID(t *testing.T, m map[string]any) string {
	t.Helper()
	msgs, ok := m["messages"].([]any)
	if !ok || len(msgs) != 1 {
		t.Fatalf("no messages in %v", m)
	}
	return msgs[0].(map[string]any)["id"].(string)
}
