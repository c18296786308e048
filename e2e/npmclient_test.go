package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"testing"

	"github.com/wabaguard/wabaguard/e2e/npmclient"
	"github.com/wabaguard/wabaguard/internal/sim"
)

// TestIndependentNpmClientWorksUnchanged runs an open-source Cloud API client
// from npm against the gateway with nothing changed but its base URL and
// token: text, template, mark as read, template list, and the client's own
// check of a webhook signature. The client is also the tenant's webhook
// receiver: a simulated person sends an image, the gateway forwards the
// webhook, the client checks it with its own signature check and parser,
// and downloads the image through the gateway by id and by the webhook's
// url, bytes intact.
func TestIndependentNpmClientWorksUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Node.js")
	}
	const secret = "tenant-secret-npm"
	port := freePort(t)
	g := startGateway(t, "http://127.0.0.1:"+port+"/webhook", secret, nil)

	// The person writes before the receiver listens: the gateway's
	// retries deliver it once the script is up.
	from := "+5511987654321"
	img := bytes.Repeat([]byte("\xff\xd8 an image of a parcel \x00\x01"), 4096)
	_, mediaID, err := g.srv.Simulator().InboundMedia(testPhoneNumberID, from, sim.InboundMedia{Type: "image", MimeType: "image/jpeg", Data: img, Caption: "arrived broken"})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(img)

	steps := npmclient.RunNpmClient(t, map[string]string{
		"WABAGUARD_BASE_URL":        g.url,
		"WABAGUARD_TOKEN":           g.apiKey,
		"WABAGUARD_PHONE_NUMBER_ID": testPhoneNumberID,
		"WABAGUARD_WABA_ID":         testWABAID,
		"WABAGUARD_TO":              from,
		"WABAGUARD_WEBHOOK_SECRET":  secret,
		"WABAGUARD_RECEIVER_PORT":   port,
		"WABAGUARD_MEDIA_ID":        mediaID,
		"WABAGUARD_MEDIA_SHA256":    hex.EncodeToString(sum[:]),
		"WABAGUARD_MEDIA_FROM":      "5511987654321",
	})
	npmclient.RequireOK(t, steps, append(append([]string(nil), npmclient.Steps...), npmclient.ReceiveSteps...)...)
}

// freePort returns a loopback port nothing listens on now, for a receiver
// in another process whose address the gateway must know before it starts.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
