package loadtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

const (
	testSecret = "app-secret"
	testWABA   = "waba-42"
)

// webhookSink is a Meta webhook endpoint that verifies signatures over the
// exact bytes and tallies the statuses it receives.
type webhookSink struct {
	*httptest.Server
	secret string

	mu        sync.Mutex
	posts     int
	perPost   map[int]int // statuses in a POST → how many POSTs
	ids       map[string]int
	statuses  map[string]int
	malformed []string
}

func newWebhookSink(t *testing.T, secret string) *webhookSink {
	t.Helper()
	s := &webhookSink{secret: secret, perPost: map[int]int{}, ids: map[string]int{}, statuses: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *webhookSink) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || !wire.VerifySignature([]byte(s.secret), body, r.Header.Get(wire.SignatureHeader)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	bad := func(why string) {
		s.mu.Lock()
		s.malformed = append(s.malformed, why)
		s.mu.Unlock()
		http.Error(w, why, http.StatusBadRequest)
	}
	var n wire.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		bad(err.Error())
		return
	}
	if n.Object != wire.ObjectWABA || len(n.Entry) != 1 || n.Entry[0].ID != testWABA ||
		len(n.Entry[0].Changes) != 1 || n.Entry[0].Changes[0].Field != "messages" ||
		r.Header.Get("Content-Type") != "application/json" {
		bad("not a messages notification for " + testWABA)
		return
	}
	var v wire.MessagesValue
	if err := json.Unmarshal(n.Entry[0].Changes[0].Value, &v); err != nil {
		bad(err.Error())
		return
	}
	if v.MessagingProduct != "whatsapp" || v.Metadata.PhoneNumberID != testPNID || len(v.Statuses) == 0 {
		bad("bad value")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts++
	s.perPost[len(v.Statuses)]++
	for _, st := range v.Statuses {
		if st.Timestamp == "" || !strings.HasPrefix(st.RecipientID, "55119") {
			s.malformed = append(s.malformed, "status without timestamp or recipient")
		}
		s.ids[st.ID]++
		s.statuses[st.Status]++
	}
	w.WriteHeader(http.StatusOK)
}

func (s *webhookSink) config(n, c, perPost int) WebhookConfig {
	return WebhookConfig{
		URL: s.URL, AppSecret: testSecret, PhoneNumberID: testPNID, WABAID: testWABA,
		N: n, Concurrency: c, PerPost: perPost,
	}
}

func TestRunWebhooksSignedAndExact(t *testing.T) {
	s := newWebhookSink(t, testSecret)
	path := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(path, []byte("# ids\nwamid.A\n\nwamid.B\nwamid.C\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := ReadIDs(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.config(25, 3, 4)
	cfg.IDs = ids
	cfg.Status = wire.StatusRead
	r, err := RunWebhooks(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.malformed) > 0 {
		t.Fatalf("sink saw malformed posts: %v", s.malformed)
	}
	// 25 statuses, 4 per POST: 6 full POSTs and one of 1.
	if r.Requests != 7 || r.Successes != 7 || r.Events != 25 || s.posts != 7 {
		t.Fatalf("requests/successes/events/sink posts = %d/%d/%d/%d, want 7/7/25/7",
			r.Requests, r.Successes, r.Events, s.posts)
	}
	if s.perPost[4] != 6 || s.perPost[1] != 1 {
		t.Errorf("statuses per post = %v, want 6×4 and 1×1", s.perPost)
	}
	want := map[string]int{"wamid.A": 9, "wamid.B": 8, "wamid.C": 8}
	for id, n := range want {
		if s.ids[id] != n {
			t.Errorf("id %s referenced %d times, want %d (all: %v)", id, s.ids[id], n, s.ids)
		}
	}
	if s.statuses[wire.StatusRead] != 25 {
		t.Errorf("statuses = %v, want 25 read", s.statuses)
	}
	checkLatency(t, r, 7)
	if r.EventsPerSecond() <= r.Throughput() {
		t.Errorf("events/s %v should exceed posts/s %v with 4 per post", r.EventsPerSecond(), r.Throughput())
	}
}

func TestRunWebhooksSyntheticIDs(t *testing.T) {
	s := newWebhookSink(t, testSecret)
	r, err := RunWebhooks(testCtx(t), s.config(30, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Events != 30 || len(s.ids) != 30 || s.statuses[wire.StatusDelivered] != 30 {
		t.Fatalf("events %d, distinct ids %d, statuses %v; want 30 distinct delivered", r.Events, len(s.ids), s.statuses)
	}
	for id := range s.ids {
		if !strings.HasPrefix(id, "wamid.") {
			t.Fatalf("synthetic id %q is not a wamid", id)
		}
	}
}

func TestRunWebhooksWrongSecretIsRefused(t *testing.T) {
	s := newWebhookSink(t, "the-real-secret")
	r, err := RunWebhooks(testCtx(t), s.config(6, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 3 || r.Successes != 0 || r.Events != 0 || r.ErrorsByStatus["401"] != 3 || s.posts != 0 {
		t.Fatalf("report %+v, sink accepted %d: want 3 POSTs refused with 401", r, s.posts)
	}
}

func TestRunWebhooksRejectsBadConfig(t *testing.T) {
	base := WebhookConfig{URL: "http://127.0.0.1:1/webhooks/meta", AppSecret: "s", PhoneNumberID: "1", WABAID: "2", N: 1}
	cases := map[string]func(*WebhookConfig){
		"no secret":  func(c *WebhookConfig) { c.AppSecret = "" },
		"no waba":    func(c *WebhookConfig) { c.WABAID = "" },
		"bad status": func(c *WebhookConfig) { c.Status = "failed" },
		"no n":       func(c *WebhookConfig) { c.N = 0 },
		"bad url":    func(c *WebhookConfig) { c.URL = "localhost/webhooks" },
		"per post":   func(c *WebhookConfig) { c.PerPost = -1 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := base
			mutate(&cfg)
			if r, err := RunWebhooks(testCtx(t), cfg); err == nil || r != nil {
				t.Fatalf("got report %v, err %v; want a config error", r, err)
			}
		})
	}
	if _, err := ReadIDs(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("ReadIDs of a missing file: want an error")
	}
}
