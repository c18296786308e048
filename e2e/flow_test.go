package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestSendIsDeliveredAndReadAtTheTenantsWebhook is the spine of the product:
// client → gateway → simulator → signed status webhooks → gateway → tenant's
// endpoint, re-signed with the tenant's secret and carrying the gateway's id.
func TestSendIsDeliveredAndReadAtTheTenantsWebhook(t *testing.T) {
	t.Parallel()
	const secret = "tenant-secret-e2e"
	tenant := newTenantEndpoint(t, secret)
	g := startGateway(t, tenant.srv.URL, secret, nil)

	const n = 20
	ids := make([]string, 0, n)
	for i := range n {
		// A template: outside a customer-service window that is all Meta
		// (and the simulator) will deliver.
		body := fmt.Sprintf(`{"messaging_product":"whatsapp","to":"+55 11 9%04d-%04d","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`, 8000+i, 1000+i)
		status, resp := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", body, nil)
		if status != http.StatusOK {
			t.Fatalf("send %d: %d %s", i, status, resp)
		}
		var sr wire.SendResponse
		if err := json.Unmarshal(resp, &sr); err != nil {
			t.Fatal(err)
		}
		if sr.MessagingProduct != "whatsapp" || len(sr.Messages) != 1 || len(sr.Contacts) != 1 {
			t.Fatalf("response not Meta-shaped: %s", resp)
		}
		if !strings.HasPrefix(sr.Messages[0].ID, "wamid.") {
			t.Fatalf("id %q is not a wamid", sr.Messages[0].ID)
		}
		ids = append(ids, sr.Messages[0].ID)
	}

	ok := tenant.waitFor(20*time.Second, func(got map[string][]string) bool {
		for _, id := range ids {
			if !contains(got[id], "read") {
				return false
			}
		}
		return true
	})
	tenant.mu.Lock()
	defer tenant.mu.Unlock()
	if !ok {
		t.Fatalf("not every message was read at the tenant's webhook within 20 s: %v", tenant.statuses)
	}
	if tenant.bad != 0 {
		t.Fatalf("%d deliveries to the tenant failed signature verification", tenant.bad)
	}
	for id, sts := range tenant.statuses {
		if !contains(ids, id) {
			t.Errorf("tenant received a status for %s, which is not an id the gateway gave it (Meta's id leaked?)", id)
		}
		seen := map[string]int{}
		for _, s := range sts {
			seen[s]++
			if seen[s] > 1 {
				t.Errorf("message %s: status %s forwarded %d times", id, s, seen[s])
			}
		}
	}
	// Meta's ids never reach the tenant; the simulator saw only Meta's side.
	if sim := g.srv.Simulator(); sim != nil && len(sim.Sent()) < n {
		t.Errorf("simulator recorded %d sends, want at least %d", len(sim.Sent()), n)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestBadInputIsGraphShaped walks the ways a client can get it wrong; each
// gets a Graph-shaped 4xx that says what to fix, never a 500.
func TestBadInputIsGraphShaped(t *testing.T) {
	t.Parallel()
	g := startGateway(t, "", "", nil)
	path := "/v23.0/" + testPhoneNumberID + "/messages"
	cases := []struct {
		name   string
		path   string
		body   string
		key    string
		status int
		code   int
	}{
		{"malformed json", path, `{"messaging_product":`, "", 400, 100},
		{"wrong type", path, `{"messaging_product":"whatsapp","to":5511987654321,"type":"text","text":{"body":"x"}}`, "", 400, 100},
		{"unknown message type", path, `{"messaging_product":"whatsapp","to":"+5511987654321","type":"hologram","hologram":{}}`, "", 400, 131051},
		{"missing to", path, `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, "", 400, 131008},
		{"bad phone", path, `{"messaging_product":"whatsapp","to":"abc","type":"text","text":{"body":"x"}}`, "", 400, 100},
		{"unknown sender", "/v23.0/999/messages", `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"x"}}`, "", 400, 100},
		{"wrong key", path, `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"x"}}`, "wg_000000000000_nope", 401, 190},
		{"oversized", path, `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"` + strings.Repeat("a", 2<<20) + `"}}`, "", 413, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			gg := *g
			if tc.key != "" {
				gg.apiKey = tc.key
			}
			status, body := gg.post(t, tc.path, tc.body, hdr)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			var env wire.ErrorEnvelope
			if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
				t.Fatalf("not a Graph error envelope: %s", body)
			}
			if env.Error.Code != tc.code {
				t.Fatalf("code %d, want %d: %s", env.Error.Code, tc.code, body)
			}
			if env.Error.FBTraceID == "" || (env.Error.Message == "" && env.Error.Details() == "") {
				t.Fatalf("error lacks trace id or explanation: %s", body)
			}
		})
	}
}

// TestOperationalEndpoints: health, readiness and the metrics an operator
// alerts on are there, and no secret appears in them.
func TestOperationalEndpoints(t *testing.T) {
	t.Parallel()
	g := startGateway(t, "", "", nil)
	status, body := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages",
		`{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`, nil)
	if status != http.StatusOK {
		t.Fatalf("send: %d %s", status, body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(g.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	names := []string{"wabaguard_messages_accepted_total", "wabaguard_messages_sent_total", "wabaguard_queue_depth", "wabaguard_webhooks_in_total", "wabaguard_webhooks_out_total", "wabaguard_dispatch_latency_seconds", "wabaguard_http_requests_total"}
	var text string
	var missing []string
	// Sent, webhooks in and out appear once the simulator's statuses came back.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(g.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text, missing = string(b), nil
		for _, name := range names {
			if !strings.Contains(text, name) {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(missing) > 0 {
		t.Errorf("/metrics lacks %v", missing)
	}
	if strings.Contains(text, testAPIKey) {
		t.Error("/metrics contains the API key")
	}
}
