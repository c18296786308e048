package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// syncBuffer is a bytes.Buffer that serve can write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// demoGateway is `wabaguard serve` in zero-config (demo) mode, run in-process
// on loopback with a fresh data directory.
type demoGateway struct {
	url, key, config string
}

func startDemo(t *testing.T) *demoGateway { return startServe(t, "") }

// startWithin bounds a first start of serve in these tests.
const startWithin = 60 * time.Second

// startServe runs serve with extra top-level configuration (JSON members,
// e.g. tenants); "" is demo mode.
func startServe(t *testing.T, extra string) *demoGateway {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "wabaguard.json")
	cfg := `{"listen":"127.0.0.1:0","data_dir":"` + filepath.ToSlash(dir) + `","log_level":"error",` + extra + `
		"simulator":{"sent_delay":"10ms","delivered_delay":"20ms","read_delay":"30ms"}}`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", cfgPath}, &out, &errOut) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop within 15 s")
		}
	})
	urlRe := regexp.MustCompile(`listening on (http://\S+)`)
	keyRe := regexp.MustCompile(`API key:\s+(\S+)`)
	// A first start migrates a fresh store and derives the demo user's
	// password hash (argon2id); under the race detector on a busy 2-core
	// machine that has taken more than 10 s.
	deadline := time.Now().Add(startWithin)
	for time.Now().Before(deadline) {
		s := out.String()
		if u, k := urlRe.FindStringSubmatch(s), keyRe.FindStringSubmatch(s); u != nil && (k != nil || extra != "") {
			g := &demoGateway{url: u[1], config: cfgPath}
			if k != nil {
				g.key = k[1]
				if !strings.Contains(s, "KEY="+g.key) || !strings.Contains(s, "wabaguard sim say --gateway "+g.url) {
					t.Errorf("the first-start banner does not set KEY and show sim say:\n%s", s)
				}
			}
			waitReadyURL(t, g.url)
			return g
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not print its URL and demo key within %s:\n%s\n%s", startWithin, out.String(), errOut.String())
	return nil
}

func waitReadyURL(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s not ready within 10 s", base)
}

// sendText sends a free-form text as the demo tenant and returns the
// gateway's message id.
func (g *demoGateway) sendText(t *testing.T, to, text string) string {
	t.Helper()
	status, raw := g.postText(t, to, text)
	var sr wire.SendResponse
	if status != http.StatusOK || json.Unmarshal(raw, &sr) != nil || len(sr.Messages) != 1 {
		t.Fatalf("send: %d %s", status, raw)
	}
	return sr.Messages[0].ID
}

// postText sends a text message and returns the answer as it came.
func (g *demoGateway) postText(t *testing.T, to, text string) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "text", "text": map[string]string{"body": text}})
	req, _ := http.NewRequest(http.MethodPost, g.url+"/v23.0/"+server.DemoPhoneNumberID+"/messages", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+g.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// waitStatus waits until the demo tenant's webhook has received status for
// the message id, and returns that status's first error code (0 for none).
func (g *demoGateway) waitStatus(t *testing.T, id, status string) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		resp, err := http.Get(g.url + server.DemoWebhookPath)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Events []wire.MessagesValue }
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range got.Events {
			for _, s := range v.Statuses {
				if s.ID == id && s.Status == status {
					if len(s.Errors) > 0 {
						return s.Errors[0].Code
					}
					return 0
				}
			}
		}
	}
	t.Fatalf("no %q status for %s at the demo webhook within 10 s", status, id)
	return 0
}

// The walkthrough of the README, end to end: in demo mode a reply to a
// person who never wrote is refused at once (470120, Meta's 131047), never
// sent; after `wabaguard sim say` the same reply is delivered, and
// `messages show` tells the whole story from the data directory.
func TestDemoConversationSayThenReplyIsDelivered(t *testing.T) {
	g := startDemo(t)
	const person = "+55 11 98765-4321"

	status, raw := g.postText(t, person, "Olá! Posso ajudar?")
	var refused struct {
		Error struct {
			Code      int `json:"code"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &refused); err != nil || status != http.StatusBadRequest ||
		refused.Error.Code != 470120 || !strings.Contains(refused.Error.ErrorData.Details, "131047") {
		t.Fatalf("reply before the person wrote: %d %s, want 400 with code 470120 naming 131047", status, raw)
	}

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"sim", "say", "--gateway", g.url, "--from", "+5511987654321", "--text", "Oi, quero saber do meu pedido"}, &out, &errOut); err != nil {
		t.Fatalf("sim say: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "5511987654321 wrote to "+server.DemoPhoneNumberID) || !strings.Contains(out.String(), "the gateway has recorded it") {
		t.Fatalf("sim say printed:\n%s", out.String())
	}

	after := g.sendText(t, person, "Seu pedido saiu para entrega.")
	if code := g.waitStatus(t, after, "delivered"); code != 0 {
		t.Fatalf("delivered with error %d", code)
	}

	show := func(t *testing.T, id string) messageReport {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"messages", "show", id, "--config", g.config, "--json"}, &out, &errOut); err != nil {
			t.Fatalf("messages show %s: %v\n%s", id, err, errOut.String())
		}
		var rep messageReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("messages show --json: %v\n%s", err, out.String())
		}
		return rep
	}
	rep := show(t, after)
	statuses := map[string]bool{}
	for _, s := range rep.Statuses {
		statuses[s.Status] = true
	}
	for i := 1; i < len(rep.Statuses); i++ {
		if prev, cur := rep.Statuses[i-1], rep.Statuses[i]; cur.At.Before(prev.At) || (cur.At.Equal(prev.At) && cur.Status == "sent") {
			t.Errorf("statuses out of order: %+v", rep.Statuses)
		}
	}
	if rep.ID != after || rep.MetaID == "" || rep.MetaID == after || rep.Sender != server.DemoPhoneNumberID ||
		rep.WaID != "5511987654321" || rep.Attempts != 1 || (rep.State != "delivered" && rep.State != "read") ||
		!statuses["sent"] || !statuses["delivered"] || len(rep.Decisions) != 1 || rep.Decisions[0].Outcome != "allow" {
		t.Fatalf("messages show %s: %+v", after, rep)
	}
	if byMeta := show(t, rep.MetaID); byMeta.ID != after {
		t.Fatalf("messages show by Meta's id %s found %s, want %s", rep.MetaID, byMeta.ID, after)
	}

	// The text form names every part.
	out.Reset()
	if err := run(context.Background(), []string{"messages", "show", "--config", g.config, after}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"message", after, "meta id", rep.MetaID, "state", "attempts", "last error", "decisions (1):", "allow", "statuses (", "delivered"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
}

// Outside demo mode the gateway has no say endpoint, and sim say says why.
func TestSimSayNeedsDemoMode(t *testing.T) {
	g := startServe(t, `"tenants":[{"id":"acme","api_keys":["wg_a1b2c3d4e5f6_testkeytestkeytestkeytestkeytestk"]}],
		"senders":[{"phone_number_id":"109000000000001","tenant_id":"acme","waba_id":"209000000000001","display_phone_number":"+55 11 4000-1000"}],`)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"sim", "say", "--gateway", g.url, "--to", "109000000000001", "--from", "+5511987654321", "--text", "Oi"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "not in demo mode") {
		t.Fatalf("sim say against a configured gateway: %v", err)
	}
}

// With --sim, sim say talks to a standalone simulator's POST /sim/say,
// which signs the person's message for whoever listens at its webhook URL.
func TestSimSayToAStandaloneSimulator(t *testing.T) {
	got := make(chan []byte, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if wire.VerifySignature([]byte("s3cret"), b, r.Header.Get(wire.SignatureHeader)) {
			select {
			case got <- b:
			default:
			}
		}
	}))
	t.Cleanup(hook.Close)
	cfg := sim.DefaultConfig()
	cfg.AppSecret, cfg.WebhookURL = "s3cret", hook.URL
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s.Start(ctx)
	t.Cleanup(s.Close)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"sim", "say", "--sim", srv.URL, "--to", cfg.Numbers[0].PhoneNumberID, "--from", "+1 650 555 0100", "--text", "hello", "--json"}, &out, &errOut); err != nil {
		t.Fatalf("sim say --sim: %v", err)
	}
	var res sim.SayResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.WaID != "16505550100" || res.MessageID == "" {
		t.Fatalf("sim say --json printed %q (%v)", out.String(), err)
	}
	select {
	case b := <-got:
		if !bytes.Contains(b, []byte(`"body":"hello"`)) || !bytes.Contains(b, []byte(res.MessageID)) {
			t.Fatalf("webhook %s", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no signed webhook from the simulator within 10 s")
	}
}

func TestMessagesShowUnknownID(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "wabaguard.json")
	if err := os.WriteFile(cfgPath, []byte(`{"data_dir":"`+filepath.ToSlash(dir)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"messages", "show", "--config", cfgPath, "wamid.nope"}, &out, &errOut)
	if exitCode(err) != 1 || !strings.Contains(fmt.Sprint(err), `no message with id "wamid.nope"`) {
		t.Fatalf("messages show of an unknown id: exit %d, %v", exitCode(err), err)
	}
}
