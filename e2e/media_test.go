package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestInboundMediaReachesTheTenant runs the whole path of a customer's
// photo (issue 7, item 3): the simulator's webhook names Meta's media URL,
// the tenant receives a gateway URL in its place, and both that URL and
// the one GET /{media_id} answers serve the photo to the tenant's API key.
func TestInboundMediaReachesTheTenant(t *testing.T) {
	const secret = "tenant-secret-media"
	tenant := newTenantEndpoint(t, secret)
	g := startGateway(t, tenant.srv.URL, secret, nil)
	photo := bytes.Repeat([]byte{0xff, 0xd8, 0x00, 'p', 'h', 'o', 't', 'o'}, 8192)
	_, mediaID, err := g.srv.Simulator().InboundMedia(testPhoneNumberID, "+5511987650001", sim.InboundMedia{Type: "image", MimeType: "image/jpeg", Data: photo})
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	if !tenant.waitFor(20*time.Second, func(map[string][]string) bool {
		body = tenant.lastBody // waitFor holds the lock
		return bytes.Contains(body, []byte(mediaID))
	}) {
		t.Fatal("the inbound image did not reach the tenant within 20 s")
	}
	var n wire.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Messages []struct {
			Image struct{ ID, URL string }
		}
	}
	if err := json.Unmarshal(n.Entry[0].Changes[0].Value, &v); err != nil || len(v.Messages) != 1 {
		t.Fatalf("forwarded value %s: %v", n.Entry[0].Changes[0].Value, err)
	}
	hookURL := v.Messages[0].Image.URL
	if !strings.HasPrefix(hookURL, g.url+"/media/") || strings.Contains(string(body), g.srv.SimulatorURL()) {
		t.Fatalf("webhook url %q does not point at the gateway (%s), or Meta's URL leaked: %s", hookURL, g.url, body)
	}

	get := func(u, key string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, info := get(g.url+"/v23.0/"+mediaID, g.apiKey)
	var mi struct{ URL string }
	if status != 200 || json.Unmarshal(info, &mi) != nil || !strings.HasPrefix(mi.URL, g.url+"/media/") {
		t.Fatalf("GET media = %d %s", status, info)
	}
	for _, u := range []string{hookURL, mi.URL} {
		if status, b := get(u, g.apiKey); status != 200 || !bytes.Equal(b, photo) {
			t.Errorf("download %s = %d, %d bytes; want the %d bytes sent", u, status, len(b), len(photo))
		}
		if status, _ := get(u, ""); status != 401 {
			t.Errorf("download without the API key = %d, want 401", status)
		}
	}
}
