package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/content"
)

func TestContentActions(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "c.json")
	file := `{"policy":{"content":{"structure":"off","restricted.alcohol":"warn"},"content_thresholds":{"smishing":0.8}},
	  "tenants":[{"id":"bar","content":{"restricted.alcohol":"off","structure.shortener":"block"}},
	             {"id":"shop","policy":{"content_check":"off"}},{"id":"plain"}]}`
	if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tenant string
		cat    content.Category
		want   content.Action
	}{
		{"bar", content.RestrictedAlcohol, content.Off},
		{"bar", content.StructureShortener, content.Block},
		{"bar", content.StructureCaps, content.Off},
		{"plain", content.RestrictedAlcohol, content.Warn},
		{"plain", content.ScamPIX, content.Block},
	} {
		a, err := c.ContentActionsFor(tc.tenant)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.For(tc.cat); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.tenant, tc.cat, got, tc.want)
		}
	}
	if Enforces(c.PolicyFor("shop").ContentCheck) || !Enforces(c.PolicyFor("bar").ContentCheck) {
		t.Error("content_check per tenant not applied")
	}
	if c.Policy.ContentThresholds == nil || c.Policy.ContentThresholds.Smishing != 0.8 {
		t.Errorf("thresholds %+v", c.Policy.ContentThresholds)
	}
}

func TestContentConfigErrors(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "c.json")
	file := `{"policy":{"content":{"scam.nope":"block"},"content_check":"maybe","content_thresholds":{"spam":1.5}},
	  "tenants":[{"id":"a","content":{"structure":"loud"}}]}`
	if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p, env(nil))
	if err == nil {
		t.Fatal("bad content settings accepted")
	}
	for _, want := range []string{`policy.content: content: unknown category "scam.nope"`, `policy.content_check "maybe"`,
		"policy.content_thresholds.spam 1.5", `tenants[0].content: content: structure: "loud"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
