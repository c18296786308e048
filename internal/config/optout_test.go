package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadTenantOptOut(t *testing.T) {
	t.Parallel()
	cases := []struct {
		optout, wantErr string
	}{
		{`{"extra_keywords":["me esquece"],"disabled_defaults":["cancelar"],"rules":[{"text":"sem ofertas","scope":"marketing","match":"phrase"}]}`, ""},
		{`{"rules":[{"text":"x","scope":"everything"}]}`, `scope "everything"`},
		{`{"rules":[{"text":"x","match":"regex"}]}`, `match "regex"`},
		{`{"rules":[{"kind":"opt_out"}]}`, "rules[0].text is required"},
		{`{"extra_keyword":["typo"]}`, "unknown field"},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "c.json")
		body := `{"tenants":[{"id":"t1","optout":` + c.optout + `}]}`
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, func(string) string { return "" })
		if c.wantErr == "" {
			if err != nil || cfg.Tenants[0].OptOut == nil {
				t.Errorf("%s: %v", c.optout, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want %q", c.optout, err, c.wantErr)
		}
	}
}
