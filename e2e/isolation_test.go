package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/config"
)

// TestMediaIsolationThroughTheSimulator: a medium uploaded by one tenant
// through the gateway to the simulator is reachable by that tenant only;
// another tenant reading or deleting it, or any id nobody uploaded, gets
// Graph's unknown-object error, and the owner's medium survives.
func TestMediaIsolationThroughTheSimulator(t *testing.T) {
	t.Parallel()
	const (
		otherKey = "wg_0f1e2d3c4b5a_otherkeyotherkeyotherkeyotherkeyo"
		otherPN  = "109000000000002"
	)
	g := startGateway(t, "", "", func(c *config.Config) {
		c.Tenants = append(c.Tenants, config.TenantConfig{ID: "globex", Name: "Globex", APIKeys: []string{otherKey}})
		c.Senders = append(c.Senders, config.SenderConfig{PhoneNumberID: otherPN, TenantID: "globex", WABAID: "209000000000002",
			DisplayPhoneNumber: "+55 11 4000-2000", ThroughputMPS: 10})
	})
	call := func(method, path, key, contentType string, body io.Reader) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, g.url+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.WriteField("type", "image/png")
	fw, _ := mw.CreateFormFile("file", "logo.png")
	_, _ = fw.Write([]byte("\x89PNG\r\n\x1a\nnot really"))
	_ = mw.Close()
	status, body := call("POST", "/v23.0/"+testPhoneNumberID+"/media", g.apiKey, mw.FormDataContentType(), &form)
	var up struct {
		ID string `json:"id"`
	}
	if status != 200 || json.Unmarshal(body, &up) != nil || up.ID == "" {
		t.Fatalf("upload = %d %s", status, body)
	}

	unknown := func(status int, body []byte, verb, id string) {
		t.Helper()
		if status != 400 || !strings.Contains(string(body), "Unsupported "+verb+" request. Object with ID '"+id+"' does not exist") ||
			!strings.Contains(string(body), `"error_subcode":33`) {
			t.Errorf("= %d %s, want Graph's unknown object", status, body)
		}
	}
	status, body = call("GET", "/v23.0/"+up.ID, otherKey, "", nil)
	unknown(status, body, "get", up.ID)
	status, body = call("DELETE", "/v23.0/"+up.ID, otherKey, "", nil)
	unknown(status, body, "delete", up.ID)
	status, body = call("GET", "/v23.0/"+up.ID+"?phone_number_id="+otherPN, g.apiKey, "", nil)
	unknown(status, body, "get", otherPN)
	status, body = call("GET", "/v23.0/4242424242", g.apiKey, "", nil)
	unknown(status, body, "get", "4242424242")

	// The owner still has it: the other tenant's DELETE never reached Meta.
	status, body = call("GET", "/v23.0/"+up.ID, g.apiKey, "", nil)
	if status != 200 || !strings.Contains(string(body), `"url"`) {
		t.Fatalf("owner GET = %d %s", status, body)
	}
	if status, body = call("DELETE", "/v23.0/"+up.ID, g.apiKey, "", nil); status != 200 {
		t.Fatalf("owner DELETE = %d %s", status, body)
	}
	status, body = call("GET", "/v23.0/"+up.ID, g.apiKey, "", nil)
	unknown(status, body, "get", up.ID)
}
