package optout

import (
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/config"
)

func TestFromConfig(t *testing.T) {
	t.Parallel()
	m, err := FromConfig(&config.OptOut{
		Languages:          []string{LangPtBR},
		ExtraKeywords:      []string{"Me esquece"},
		ExtraPhrases:       []string{"não quero saber de vocês"},
		ExtraOptInKeywords: []string{"QUERO OFERTAS"},
		Rules:              []config.OptOutRule{{Text: "sem ofertas", Scope: "marketing", Match: "phrase"}},
		DisabledDefaults:   []string{"cancelar", "pt-BR/opt_out/keyword/fim"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text  string
		kind  Kind
		scope Scope
	}{
		{"me esquece!", KindOptOut, ScopeAll},
		{"eu não quero saber de vocês nunca mais", KindOptOut, ScopeAll},
		{"Quero ofertas", KindOptIn, ScopeMarketing},
		{"pode ser sem ofertas, só o boleto", KindOptOut, ScopeMarketing},
		{"cancelar", KindNone, ""},
		{"fim", KindNone, ""},
		{"baja", KindNone, ""}, // Spanish is off
		{"parar", KindOptOut, ScopeAll},
	}
	for _, c := range cases {
		if got := m.Match(c.text); got.Kind != c.kind || got.Scope != c.scope {
			t.Errorf("Match(%q) = %+v, want %s %q", c.text, got, c.kind, c.scope)
		}
	}
	if got := m.Match("me esquece"); got.RuleID != "tenant/opt_out/keyword/me_esquece" {
		t.Errorf("tenant rule id = %q", got.RuleID)
	}
	if got := Default().Match("cancelar"); got.Kind != KindOptOut {
		t.Error("a tenant's list changed the defaults")
	}
}

func TestFromConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cfg  config.OptOut
		want string
	}{
		{config.OptOut{Languages: []string{"fr"}}, `language "fr"`},
		{config.OptOut{DisabledDefaults: []string{"nonexistent"}}, `"nonexistent" names no default rule`},
		{config.OptOut{ExtraKeywords: []string{"🛑"}}, "no letters or digits"},
		{config.OptOut{ExtraKeywords: []string{"parar"}}, "" /* a tenant keyword may repeat a default */},
		{config.OptOut{ExtraKeywords: []string{"me esquece", "Me esquece!"}}, "used twice"},
	}
	for _, c := range cases {
		_, err := FromConfig(&c.cfg)
		if c.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.cfg, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
}
