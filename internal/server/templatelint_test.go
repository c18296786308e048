package server

import (
	"context"
	"testing"

	"github.com/wabaguard/wabaguard/internal/config"
)

// The lint switch: a tenant's own setting wins; tenants absent from the
// file follow the global one.
func TestTemplateLintSwitch(t *testing.T) {
	t.Parallel()
	promo := []byte(`{"name":"a","language":"pt_BR","category":"UTILITY","components":[{"type":"BODY","text":"Aproveite a promoção de hoje."}]}`)
	for _, c := range []struct {
		name    string
		global  string
		tenants []config.TenantConfig
		blocked map[string]bool
	}{
		{"default on", "", []config.TenantConfig{{ID: "acme"}}, map[string]bool{"acme": true, "other": true}},
		{"one tenant off", "", []config.TenantConfig{{ID: "acme", Policy: &config.Policy{TemplateLint: config.Off}}, {ID: "globex"}},
			map[string]bool{"acme": false, "globex": true, "other": true}},
		{"global off, one tenant on", config.Off, []config.TenantConfig{{ID: "acme", Policy: &config.Policy{TemplateLint: config.Enforce}}, {ID: "globex"}},
			map[string]bool{"acme": true, "globex": false, "other": false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := config.Config{Policy: config.Policy{TemplateLint: c.global}, Tenants: c.tenants}
			l := newTemplateLint(cfg, nil)
			for tenant, want := range c.blocked {
				r, err := l.LintTemplate(context.Background(), tenant, promo)
				if err != nil {
					t.Fatal(err)
				}
				if r.Blocked() != want || l.Lints(tenant) != want {
					t.Errorf("%s: blocked %v, want %v", tenant, r.Blocked(), want)
				}
			}
		})
	}
}
