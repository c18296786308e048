package mediaurl_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/mediaurl"
	"github.com/wabaguard/wabaguard/internal/secret"
)

func newIssuer(t *testing.T, base string) (*mediaurl.Issuer, *secret.Box) {
	t.Helper()
	box, err := secret.NewBox(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return mediaurl.New(box, base), box
}

const lookaside = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=65463453&ext=487r9re&hash=heiwch"

func TestTokensOpenOnlyAsIssued(t *testing.T) {
	iss, box := newIssuer(t, "https://gw.example/")
	other, _ := newIssuer(t, "https://gw.example")
	claims := mediaurl.Claims{TenantID: "t1", MediaID: "65463453", Upstream: lookaside, Expires: 1700000300}
	u, err := iss.URL(claims, "http://ignored")
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := strings.CutPrefix(u, "https://gw.example"+mediaurl.Path)
	if !ok || strings.ContainsAny(tok, "/?&=+") {
		t.Fatalf("URL %q is not base + Path + one opaque segment", u)
	}
	if strings.Contains(u, "lookaside") || strings.Contains(u, "65463453") {
		t.Fatalf("URL %q shows what it seals", u)
	}
	got, err := iss.Open(tok)
	if err != nil || got != claims {
		t.Fatalf("Open = %+v, %v; want %+v", got, err, claims)
	}
	notMedia, _ := box.Seal([]byte(`{"t":"t1","m":"1","u":"x"}`))
	flipped := []byte(tok)
	flipped[len(flipped)/2] ^= 1
	for name, bad := range map[string]string{
		"empty":               "",
		"not base64":          "***",
		"tampered":            string(flipped),
		"another key":         mustToken(t, other, claims),
		"sealed for a secret": b64(notMedia),
		"too long":            strings.Repeat("A", 5000),
	} {
		if c, err := iss.Open(bad); !errors.Is(err, mediaurl.ErrInvalid) {
			t.Errorf("%s: Open = %+v, %v; want ErrInvalid", name, c, err)
		}
	}
	if _, err := iss.Token(mediaurl.Claims{TenantID: "t1", MediaID: "1"}); err == nil {
		t.Error("a token without an upstream URL was issued")
	}
}

func TestExpiry(t *testing.T) {
	at := time.Unix(1700000000, 0)
	for _, c := range []struct {
		expires int64
		now     time.Time
		want    bool
	}{
		{0, at.Add(24 * time.Hour), false},
		{at.Unix(), at.Add(-time.Second), false},
		{at.Unix(), at, true},
		{at.Unix(), at.Add(time.Second), true},
	} {
		if got := (mediaurl.Claims{Expires: c.expires}).Expired(c.now); got != c.want {
			t.Errorf("Expires %d at %d: Expired = %v, want %v", c.expires, c.now.Unix(), got, c.want)
		}
	}
}

// TestRewriteWebhookKeepsEverythingElse rewrites an inbound image as Meta
// sends it (slashes escaped, non-ASCII as \uXXXX): only the url changes, to a gateway URL issued to the
// tenant that opens to Meta's url; the rest stays byte for byte.
func TestRewriteWebhookKeepsEverythingElse(t *testing.T) {
	iss, _ := newIssuer(t, "https://gw.example")
	value := []byte(`{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1001"},` +
		`"contacts":[{"profile":{"name":"Jo\u00e3o"},"wa_id":"5511987654321"}],"messages":[{"from":"5511987654321","id":"wamid.A",` +
		`"timestamp":"1700000000","type":"image","image":{"mime_type":"image/jpeg","sha256":"4654+8g=","id":"65463453",` +
		`"url":"https:\/\/lookaside.fbsbx.com\/whatsapp_business\/attachments\/?mid=65463453&source=webhook&ext=1&hash=h"}}]}`)
	out := iss.RewriteWebhook("t1", "messages", value)
	var v struct {
		Messages []struct {
			Image struct{ ID, URL string }
		}
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	img := v.Messages[0].Image
	tok, ok := strings.CutPrefix(img.URL, "https://gw.example"+mediaurl.Path)
	if !ok {
		t.Fatalf("url = %q, want a gateway URL", img.URL)
	}
	c, err := iss.Open(tok)
	if err != nil || c.TenantID != "t1" || c.MediaID != img.ID || !strings.HasPrefix(c.Upstream, "https://lookaside.fbsbx.com/") || c.Expires != 0 {
		t.Fatalf("claims %+v, %v", c, err)
	}
	i := bytes.Index(value, []byte(`"url"`))
	if i < 0 || !bytes.Equal(out[:i], value[:i]) {
		t.Fatal("bytes before the url changed")
	}
	if !json.Valid(out) {
		t.Fatalf("not JSON: %s", out)
	}
	for _, keep := range [][]byte{
		[]byte(`{"messaging_product":"whatsapp","metadata":{"phone_number_id":"1"},"statuses":[{"id":"w","url":"x"}]}`),
		[]byte(`{"messages":[{"type":"location","location":{"url":"https://maps.example"}}]}`),
		[]byte(`{"messages":[{"type":"text","text":{"body":"see \"url\""}}]}`),
	} {
		if got := iss.RewriteWebhook("t1", "messages", keep); !bytes.Equal(got, keep) {
			t.Errorf("RewriteWebhook changed %s to %s", keep, got)
		}
	}
	if got := iss.RewriteWebhook("t1", "statuses", value); !bytes.Equal(got, value) {
		t.Error("a field other than messages was rewritten")
	}
}

func mustToken(t *testing.T, iss *mediaurl.Issuer, c mediaurl.Claims) string {
	t.Helper()
	tok, err := iss.Token(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func b64(b []byte) string {
	iss, _ := json.Marshal(b) // standard base64 in quotes
	s := strings.Trim(string(iss), `"`)
	s = strings.NewReplacer("+", "-", "/", "_", "=", "").Replace(s)
	return s
}
