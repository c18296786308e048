package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMediaDownloadNeedsTokenAndExpires checks the simulator's media URL
// behaves as Meta's lookaside URL: without the access token in the
// Authorization header it serves nothing, with it the bytes, and once the
// URL is five minutes old it answers 404.
func TestMediaDownloadNeedsTokenAndExpires(t *testing.T) {
	h := newHarness(t, nil)
	_, mediaID, err := h.sim.InboundMedia(pnid, "5531987654321", InboundMedia{Type: "image", MimeType: "image/jpeg", Data: []byte("jpeg bytes")})
	if err != nil {
		t.Fatal(err)
	}
	s, info := h.do(t, "GET", "/v23.0/"+mediaID, "")
	if s != 200 {
		t.Fatalf("media info %d %v", s, info)
	}
	mediaURL, _ := info["url"].(string)
	if !strings.Contains(mediaURL, "/sim/media/"+mediaID+"?expires=") {
		t.Fatalf("media url %q has no expiry", mediaURL)
	}
	cases := []struct {
		name    string
		url     string
		auth    string
		advance time.Duration
		status  int
		body    string
	}{
		{"no token", mediaURL, "", 0, 401, ""},
		{"token as a query parameter", mediaURL + "&access_token=" + testToken, "", 0, 401, ""},
		{"wrong token", mediaURL, "Bearer nope", 0, 401, ""},
		{"Meta's token", mediaURL, "Bearer " + testToken, 0, 200, "jpeg bytes"},
		{"just before expiry", mediaURL, "Bearer " + testToken, MediaURLLifetime - time.Second, 200, "jpeg bytes"},
		{"expired", mediaURL, "Bearer " + testToken, time.Second, 404, ""},
	}
	for _, c := range cases {
		h.clock.Advance(c.advance)
		req, _ := http.NewRequest("GET", c.url, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.body != "" && string(b) != c.body) {
			t.Errorf("%s: %d %q, want %d %q", c.name, resp.StatusCode, b, c.status, c.body)
		}
	}
}

// TestInboundMediaWebhook checks a person's image arrives as Meta sends it:
// a messages webhook whose image carries id, mime_type, sha256 (base64) and
// the url when the simulator knows its own address.
func TestInboundMediaWebhook(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MediaBaseURL = "http://sim.example" })
	data := []byte("%PDF-1.7 not really")
	msgID, mediaID, err := h.sim.InboundMedia(pnid, "+55 31 98765-4321", InboundMedia{Type: "document", MimeType: "application/pdf", Data: data, Caption: "invoice", Filename: "inv.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	h.flush(t)
	bodies := h.rc.all()
	if len(bodies) != 1 || h.rc.bad != 0 {
		t.Fatalf("%d webhooks, %d badly signed", len(bodies), h.rc.bad)
	}
	var n struct {
		Entry []struct {
			Changes []struct {
				Field string
				Value struct {
					Messages []struct {
						ID, From, Type string
						Document       map[string]string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(bodies[0], &n); err != nil {
		t.Fatal(err)
	}
	m := n.Entry[0].Changes[0].Value.Messages[0]
	sum := sha256.Sum256(data)
	want := map[string]string{"id": mediaID, "mime_type": "application/pdf", "sha256": base64.StdEncoding.EncodeToString(sum[:]),
		"caption": "invoice", "filename": "inv.pdf", "url": "http://sim.example/sim/media/" + mediaID}
	if m.ID != msgID || m.From != waIDFor("+55 31 98765-4321") || m.Type != "document" || len(m.Document) != len(want) {
		t.Fatalf("message %+v", m)
	}
	for k, v := range want {
		if m.Document[k] != v {
			t.Errorf("document.%s = %q, want %q", k, m.Document[k], v)
		}
	}
	for _, bad := range []InboundMedia{{Type: "text", MimeType: "text/plain", Data: data}, {Type: "image", Data: data}, {Type: "image", MimeType: "image/png"}} {
		if _, _, err := h.sim.InboundMedia(pnid, "5531987654321", bad); err == nil {
			t.Errorf("InboundMedia(%+v) accepted", bad)
		}
	}
}

// TestSayMedia checks POST /sim/say takes a medium (base64 in JSON), with
// the text as its caption, and answers its media id.
func TestSayMedia(t *testing.T) {
	h := newHarness(t, nil)
	body := `{"from":"+1 650 555 0100","to_phone_number_id":"` + pnid + `","text":"look",` +
		`"media":{"type":"audio","mime_type":"audio/ogg","data":"` + base64.StdEncoding.EncodeToString([]byte("OggS voice")) + `"}}`
	s, m := h.doAuth(t, "POST", "/sim/say", body, "")
	mediaID, _ := m["media_id"].(string)
	if s != 200 || mediaID == "" {
		t.Fatalf("say media = %d %v", s, m)
	}
	h.flush(t)
	bodies := h.rc.all()
	if len(bodies) != 1 || !strings.Contains(string(bodies[0]), `"audio":{"caption":"look","id":"`+mediaID+`","mime_type":"audio/ogg"`) {
		t.Fatalf("webhooks %q", bodies)
	}
	if s, m := h.doAuth(t, "POST", "/sim/say", `{"from":"+1 650 555 0100","to_phone_number_id":"`+pnid+`","media":{"type":"gif","mime_type":"image/gif","data":"R0lG"}}`, ""); s != 400 {
		t.Fatalf("say with an unknown media type = %d %v", s, m)
	}
}
