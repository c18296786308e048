package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/e2e/npmclient"
)

// TestIndependentNpmClientWorksUnchanged runs an open-source Cloud API client
// from npm against the gateway with nothing changed but its base URL and
// token: text, template, mark as read, template list, and the client's own
// check of a webhook signature — over a delivery the gateway really
// forwarded to the tenant, signed with the tenant's secret.
func TestIndependentNpmClientWorksUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Node.js")
	}
	const secret = "tenant-secret-npm"
	tenant := newTenantEndpoint(t, secret)
	g := startGateway(t, tenant.srv.URL, secret, nil)

	// Produce one real forwarded delivery for the signature step.
	status, body := g.post(t, "/v23.0/"+testPhoneNumberID+"/messages",
		`{"messaging_product":"whatsapp","to":"+5511987650000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`, nil)
	if status != 200 {
		t.Fatalf("send: %d %s", status, body)
	}
	if !tenant.waitFor(20*time.Second, func(m map[string][]string) bool { return len(m) > 0 }) {
		t.Fatal("no webhook reached the tenant within 20 s")
	}
	tenant.mu.Lock()
	raw, sig := tenant.lastBody, tenant.lastSig
	tenant.mu.Unlock()
	bodyFile := filepath.Join(t.TempDir(), "forwarded.json")
	if err := os.WriteFile(bodyFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	steps := npmclient.RunNpmClient(t, map[string]string{
		"WABAGUARD_BASE_URL":         g.url,
		"WABAGUARD_TOKEN":            g.apiKey,
		"WABAGUARD_PHONE_NUMBER_ID":  testPhoneNumberID,
		"WABAGUARD_WABA_ID":          testWABAID,
		"WABAGUARD_TO":               "+5511987654321",
		"WABAGUARD_WEBHOOK_SECRET":   secret,
		"WABAGUARD_SIGNED_BODY_FILE": bodyFile,
		"WABAGUARD_SIGNATURE":        sig,
	})
	npmclient.RequireAllOK(t, steps)
	want := map[string]bool{}
	for _, s := range steps {
		want[s.Step] = true
	}
	for _, name := range npmclient.Steps {
		if !want[name] {
			t.Errorf("the client run has no step %q (steps: %+v)", name, steps)
		}
	}
}
