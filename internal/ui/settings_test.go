package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/optout"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
)

var newKeyRE = regexp.MustCompile(`id="new-key-value" type="text" readonly value="([^"]+)"`)

func TestSettingsKeys(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	now := time.Now()
	must(t, e.st.PutTenant(ctx, store.Tenant{ID: "t1", Name: "t1", WebhookURL: "https://acme.example/hook", WebhookSecret: "whsec-never-shown", CreatedAt: now}))
	must(t, e.st.PutAPIKey(ctx, store.APIKey{ID: "wg_cfgkey1", TenantID: "t1", Hash: secret.HashAPIKey("k1"), CreatedAt: now, Source: store.KeyFromConfig}))
	must(t, e.st.PutAPIKey(ctx, store.APIKey{ID: "wg_globex1", TenantID: "t2", Hash: secret.HashAPIKey("k2"), CreatedAt: now}))
	b := e.browser()
	token := b.mustLogin("ana@acme.example")

	a := b.get("/ui/settings")
	if a.status != http.StatusOK {
		t.Fatalf("settings: %d", a.status)
	}
	for _, want := range []string{"wg_cfgkey1", "arquivo de configuração", "https://acme.example/hook", "definido (nunca mostrado)", `id="create-key"`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("settings lacks %q", want)
		}
	}
	for _, not := range []string{"whsec-never-shown", "wg_globex1"} {
		if strings.Contains(a.body, not) {
			t.Errorf("settings shows %q", not)
		}
	}

	// Create: the form redirects (so a reload cannot make a second key),
	// the page it lands on shows the key once; it works and is the
	// tenant's.
	a = b.do(http.MethodPost, "/ui/settings/keys", url.Values{"csrf": {token}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/settings?done=created" {
		t.Fatalf("create key: %d to %q, want 303 to the settings", a.status, a.header.Get("Location"))
	}
	if strings.Contains(a.header.Get("Set-Cookie"), "wg_") && newKeyRE.MatchString(a.body) {
		t.Error("the redirect's body shows the key")
	}
	a = b.get("/ui/settings?done=created")
	m := newKeyRE.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		t.Fatalf("after creating: %d, key shown: %v", a.status, m != nil)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page showing a new key may be cached: Cache-Control %q", a.header.Get("Cache-Control"))
	}
	key := m[1]
	if reload := b.get("/ui/settings?done=created"); newKeyRE.MatchString(reload.body) {
		t.Error("reloading the page shows the new key again")
	}
	if !strings.Contains(a.body, "next=%2fui%2fsettings\"") {
		t.Error("the language switcher on the new key's page does not go back to the settings")
	}
	k, tn, err := e.st.KeyByHash(ctx, secret.HashAPIKey(key))
	must(t, err)
	if tn.ID != "t1" || k.Source != store.KeyFromDashboard || k.ID != secret.APIKeyID(key) {
		t.Errorf("the new key is %+v of %s", k, tn.ID)
	}
	if again := b.get("/ui/settings"); strings.Contains(again.body, key) || !strings.Contains(again.body, k.ID) {
		t.Error("the key is shown again, or its id is not listed")
	}

	// Another tenant's key cannot be revoked from here; the tenant's can.
	if a := b.do(http.MethodPost, "/ui/settings/keys/wg_globex1/revoke", url.Values{"csrf": {token}}); a.status != http.StatusNotFound {
		t.Errorf("revoking t2's key: %d, want 404", a.status)
	}
	if _, _, err := e.st.KeyByHash(ctx, secret.HashAPIKey("k2")); err != nil {
		t.Errorf("t2's key was revoked by t1's admin: %v", err)
	}
	a = b.do(http.MethodPost, "/ui/settings/keys/"+k.ID+"/revoke", url.Values{"csrf": {token}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/settings?done=revoked" {
		t.Fatalf("revoke: %d %s", a.status, a.header.Get("Location"))
	}
	if _, _, err := e.st.KeyByHash(ctx, secret.HashAPIKey(key)); err == nil {
		t.Error("the revoked key still works")
	}
	if page := b.get("/ui/settings?done=revoked"); !strings.Contains(page.body, "Chave revogada") || !strings.Contains(page.body, "revogada em") {
		t.Error("the settings page does not say the key was revoked")
	}

	// A viewer sees the keys, and may neither create nor revoke.
	v := e.browser()
	vt := v.mustLogin("vic@acme.example")
	if page := v.get("/ui/settings"); strings.Contains(page.body, `id="create-key"`) || strings.Contains(page.body, "/revoke") {
		t.Error("a viewer is offered to create or revoke keys")
	}
	if a := v.do(http.MethodPost, "/ui/settings/keys", url.Values{"csrf": {vt}}); a.status != http.StatusForbidden {
		t.Errorf("a viewer's create: %d", a.status)
	}
	if a := v.do(http.MethodPost, "/ui/settings/keys/wg_cfgkey1/revoke", url.Values{"csrf": {vt}}); a.status != http.StatusForbidden {
		t.Errorf("a viewer's revoke: %d", a.status)
	}
	if a := b.do(http.MethodPost, "/ui/settings/keys", url.Values{}); a.status != http.StatusForbidden {
		t.Errorf("create without a CSRF token: %d", a.status)
	}
	keys, err := e.st.ListAPIKeys(ctx, "t1")
	must(t, err)
	if len(keys) != 2 {
		t.Errorf("t1 has %d keys, want the configured one and the one created", len(keys))
	}
}

func TestSettingsPolicy(t *testing.T) {
	m, err := optout.New(optout.Options{Languages: []string{"es"},
		Rules: []optout.Rule{{Text: "chega de promo", Kind: optout.KindOptOut, Scope: optout.ScopeMarketing, Mode: optout.ModePhrase, Langs: []string{"pt-BR"}}}})
	must(t, err)
	e := newEnv(t, func(c *Config) {
		c.Settings = func(tenantID string) TenantSettings {
			if tenantID != "t1" {
				return TenantSettings{}
			}
			return TenantSettings{Consent: "enforce", Window: "off", OptOut: m.Rules()}
		}
	})
	b := e.browser()
	b.lang = "es"
	b.mustLogin("ana@acme.example")
	a := b.get("/ui/settings")
	for _, want := range []string{"Política vigente", "desactivada", "aplicada", "chega de promo", "frase", "baja", "archivo de configuración"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("settings (es) lacks %q", want)
		}
	}
	if strings.Contains(a.body, ">sair<") {
		t.Error("a pt-BR default is listed for a tenant keeping es only")
	}
}

// TestNewKeyFlash: the key sealed for one session opens only with that
// session's token, and tampering is refused.
func TestNewKeyFlash(t *testing.T) {
	sealed, err := sealFlash("csrf-a", "wg_abc.secret")
	must(t, err)
	if strings.Contains(sealed, "secret") {
		t.Fatal("the cookie carries the key in clear")
	}
	if got, err := openFlash("csrf-a", sealed); err != nil || got != "wg_abc.secret" {
		t.Fatalf("open: %q, %v", got, err)
	}
	for name, tc := range map[string]struct{ csrf, sealed string }{
		"other session": {"csrf-b", sealed},
		"tampered":      {"csrf-a", sealed[:len(sealed)-2] + "AA"},
		"truncated":     {"csrf-a", sealed[:8]},
		"not base64":    {"csrf-a", "%%%"},
		"empty":         {"csrf-a", ""},
	} {
		if got, err := openFlash(tc.csrf, tc.sealed); err == nil {
			t.Errorf("%s: opened to %q", name, got)
		}
	}
}
