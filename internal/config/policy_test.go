package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTemplateLintPolicy(t *testing.T) {
	t.Parallel()
	load := func(file string) (Config, error) {
		p := filepath.Join(t.TempDir(), "c.json")
		if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		return Load(p, env(nil))
	}
	c, err := load(`{"policy":{"template_lint":"enforce"},"tenants":[{"id":"acme","policy":{"template_lint":"off"}},{"id":"globex"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if Enforces(c.PolicyFor("acme").TemplateLint) || !Enforces(c.PolicyFor("globex").TemplateLint) || !Enforces(c.PolicyFor("nobody").TemplateLint) {
		t.Errorf("acme %+v globex %+v", c.PolicyFor("acme"), c.PolicyFor("globex"))
	}
	if _, err := load(`{"tenants":[{"id":"acme","policy":{"template_lint":"warn"}}]}`); err == nil || !strings.Contains(err.Error(), "tenants[0].policy.template_lint") {
		t.Errorf("bad setting: %v", err)
	}
}
