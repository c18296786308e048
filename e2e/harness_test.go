package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// tenantEndpoint is a tenant's webhook server: it verifies signatures with
// the tenant's secret exactly as a Meta webhook handler would and records
// what it receives.
type tenantEndpoint struct {
	t      testing.TB
	secret string
	srv    *httptest.Server

	mu       sync.Mutex
	statuses map[string][]string // gateway message id -> statuses in arrival order
	codes    map[string]int      // gateway message id -> its failed status's first error code
	bad      int
	changed  chan struct{}
	lastBody []byte // the last verified delivery, exactly as received
	lastSig  string
}

func newTenantEndpoint(t testing.TB, secret string) *tenantEndpoint {
	te := &tenantEndpoint{t: t, secret: secret, statuses: map[string][]string{}, codes: map[string]int{}, changed: make(chan struct{}, 1)}
	te.srv = httptest.NewServer(http.HandlerFunc(te.serve))
	t.Cleanup(te.srv.Close)
	return te
}

func (te *tenantEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !wire.VerifySignature([]byte(te.secret), body, r.Header.Get(wire.SignatureHeader)) {
		te.mu.Lock()
		te.bad++
		te.mu.Unlock()
		w.WriteHeader(http.StatusForbidden)
		return
	}
	var n wire.Notification
	if err := json.Unmarshal(body, &n); err != nil || n.Object != wire.ObjectWABA {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	te.mu.Lock()
	te.lastBody, te.lastSig = body, r.Header.Get(wire.SignatureHeader)
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			var v wire.MessagesValue
			if c.Field != "messages" || json.Unmarshal(c.Value, &v) != nil {
				continue
			}
			for _, s := range v.Statuses {
				te.statuses[s.ID] = append(te.statuses[s.ID], s.Status)
				if s.Status == wire.StatusFailed && len(s.Errors) > 0 {
					te.codes[s.ID] = s.Errors[0].Code
				}
			}
		}
	}
	te.mu.Unlock()
	select {
	case te.changed <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusOK)
}

// waitFor polls cond until it holds or the deadline passes.
func (te *tenantEndpoint) waitFor(d time.Duration, cond func(map[string][]string) bool) bool {
	deadline := time.After(d)
	for {
		te.mu.Lock()
		ok := cond(te.statuses)
		te.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-te.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return false
		}
	}
}

// gatewayUnderTest runs a whole gateway in-process on loopback with the
// built-in simulator as upstream.
type gatewayUnderTest struct {
	srv    *server.Server
	apiKey string
	url    string
	cancel context.CancelFunc
	done   chan error
}

const (
	testPhoneNumberID = "109000000000001"
	testWABAID        = "209000000000001"
	testAPIKey        = "wg_a1b2c3d4e5f6_testkeytestkeytestkeytestkeytestk"
)

// deliveryOnly is the policy of the tests about delivery, durability and
// dispatch: they send to many made-up numbers that never consented or
// wrote, so the consent and window rules are off (suppression, which no
// tenant can turn off, still runs). They send the same template again and
// again at any hour, so the cadence rules (caps, repeats, quiet hours) are
// off too. The tests of the rules themselves enforce them.
var deliveryOnly = config.Policy{Consent: config.Off, Window: config.Off,
	Frequency: &config.Frequency{Mode: config.Off}, QuietHours: &config.QuietHours{Mode: config.Off}}

// allButCadence enforces every rule but the cadence ones, for the tests of
// consent and opt-outs: they repeat a template to one person, at any hour
// of the day the suite happens to run.
var allButCadence = config.Policy{Frequency: deliveryOnly.Frequency, QuietHours: deliveryOnly.QuietHours}

func startGateway(t testing.TB, webhookURL, webhookSecret string, mutate func(*config.Config)) *gatewayUnderTest {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.LogLevel = "warn"
	on := true
	cfg.Simulator.Enabled = &on
	cfg.Simulator.SentDelay = config.Duration(10 * time.Millisecond)
	cfg.Simulator.DeliveredDelay = config.Duration(30 * time.Millisecond)
	cfg.Simulator.ReadDelay = config.Duration(60 * time.Millisecond)
	cfg.Tenants = []config.TenantConfig{{ID: "acme", Name: "Acme Ltda", APIKeys: []string{testAPIKey}, WebhookURL: webhookURL, WebhookSecret: webhookSecret}}
	cfg.WebhookDestinations.AllowLoopback = &on // the test's receiver listens on 127.0.0.1
	cfg.Senders = []config.SenderConfig{{PhoneNumberID: testPhoneNumberID, TenantID: "acme", WABAID: testWABAID, DisplayPhoneNumber: "+55 11 4000-1000", ThroughputMPS: 1000}}
	cfg.Policy = deliveryOnly
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	g := &gatewayUnderTest{srv: srv, apiKey: testAPIKey, url: srv.URL(), cancel: cancel, done: make(chan error, 1)}
	go func() { g.done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-g.done:
		case <-time.After(15 * time.Second):
			t.Error("gateway did not stop within 15 s")
		}
	})
	waitReady(t, g.url)
	return g
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func waitReady(t testing.TB, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("gateway at %s not ready within 10 s", base)
}

// post sends a JSON request with the API key and returns status and body.
func (g *gatewayUnderTest) post(t testing.TB, path, body string, hdr map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, g.url+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+g.apiKey)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
