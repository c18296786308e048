package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// In demo mode the customer can send a photo with `sim say --media`, and
// the business downloads it through the gateway with its key, following
// the url GET /{media_id} answers, as the walkthrough shows.
func TestDemoSayMediaThenDownload(t *testing.T) {
	g := startDemo(t)
	photo := append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte("parcel "), 3000)...)
	path := filepath.Join(t.TempDir(), "parcel.jpg")
	if err := os.WriteFile(path, photo, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"sim", "say", "--gateway", g.url, "--from", "+5511987654321", "--media", path, "--text", "chegou assim"}, &out, &errOut); err != nil {
		t.Fatalf("sim say --media: %v\n%s", err, errOut.String())
	}
	text := out.String()
	i := strings.Index(text, "media ")
	if !strings.Contains(text, "sent an image (image/jpeg)") || i < 0 || !strings.Contains(text, "the gateway has recorded it") {
		t.Fatalf("sim say --media printed:\n%s", text)
	}
	mediaID := strings.TrimRight(strings.Fields(text[i+len("media "):])[0], ")")

	get := func(u string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+g.key)
		c := &http.Client{Timeout: 10 * time.Second}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get(g.url + "/v23.0/" + mediaID)
	var info struct{ URL string }
	if status != 200 || json.Unmarshal(body, &info) != nil || !strings.HasPrefix(info.URL, g.url+"/media/") {
		t.Fatalf("GET /v23.0/%s = %d %s", mediaID, status, body)
	}
	if status, b := get(info.URL); status != 200 || !bytes.Equal(b, photo) {
		t.Fatalf("download = %d, %d bytes; want the %d bytes sent", status, len(b), len(photo))
	}

	// Without --text or --media there is nothing to say.
	err := run(context.Background(), []string{"sim", "say", "--gateway", g.url, "--from", "+5511987654321"}, &out, &errOut)
	if code := exitCode(err); code != 2 {
		t.Fatalf("sim say with neither: exit %d (%v), want 2", code, err)
	}
}
