package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckTemplateExitCodes(t *testing.T) {
	t.Setenv("WABAGUARD_CONFIG", "")
	dir := filepath.Join("testdata", "templates")
	type want struct {
		code int
		has  string
	}
	cases := map[string]want{
		"good/hello_world.json":                   {0, "verdict:  clean\nblocks:   0\nwarnings: 0\n"},
		"good/confirmacao_pedido.json":            {0, "verdict:  clean"},
		"good/ofertas_semana.json":                {0, "verdict:  clean"},
		"good/meta_order_confirmation.json":       {0, "verdict:  clean"},
		"good/meta_authentication_copy_code.json": {0, "verdict:  clean"},
		"warn/authentication_no_expiry.json":      {0, "warn  authentication.no_expiry  components"},
		"block/promo_utility.json":                {exitRefused, "block promotional.utility  components[0].text"},
		"block/name_format.json":                  {exitRefused, "block name.format  name"},
		"block/variables_sequence.json":           {exitRefused, "block variables.sequence  components[0].text"},
		"block/examples_missing.json":             {exitRefused, "block examples.missing  components[0].example.body_text"},
		"block/buttons_count.json":                {exitRefused, "block buttons.count  components[1].buttons"},
		"block/length_footer.json":                {exitRefused, "block length.footer  components[1].text"},
		"block/authentication_body_text.json":     {exitRefused, "block authentication.url  components[0].text"},
		"invalid/unknown_component.json":          {exitInvalid, ""},
		"invalid/truncated.json":                  {exitInvalid, ""},
		"invalid/this_file_does_not_exist.json":   {exitInvalid, ""},
	}
	// Every file in testdata has a case.
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		if _, ok := cases[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s has no case", rel)
		}
	}
	for name, w := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := checkExit(t, "", "--template", filepath.Join(dir, name), "--lang", "en")
			if code != w.code || !strings.Contains(out, w.has) {
				t.Errorf("exit %d, output:\n%s%s\nwant exit %d with %q", code, out, errOut, w.code, w.has)
			}
			if w.code == exitInvalid && errOut == "" {
				t.Error("bad input without a message")
			}
		})
	}
}

func TestCheckTemplateStdinJSONAndLanguages(t *testing.T) {
	t.Setenv("WABAGUARD_CONFIG", "")
	b, err := os.ReadFile(filepath.Join("testdata", "templates", "block", "promo_utility.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := checkExit(t, string(b), "--template", "-", "--json", "--lang", "es")
	var res struct {
		Verdict  string
		Findings []struct {
			Code, Severity, Field, Message, Fix string
			Words                               []string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != exitRefused || res.Verdict != "block" || len(res.Findings) != 1 {
		t.Fatalf("exit %d %+v", code, res)
	}
	f := res.Findings[0]
	if f.Code != "promotional.utility" || f.Severity != "block" || f.Field != "components[0].text" ||
		!strings.Contains(f.Message, "lenguaje promocional") || !strings.Contains(f.Fix, "MARKETING") || f.Words[0] != "ofertas" {
		t.Errorf("finding %+v", f)
	}
	if _, out, _ := checkExit(t, string(b), "--template", "-"); !strings.Contains(out, "linguagem promocional") {
		t.Errorf("default language is not pt-BR:\n%s", out)
	}
	code, out, _ = checkExit(t, `{"name":"x","language":"pt_BR","category":"UTILITY","components":[{"type":"SIDEBAR"}]}`, "--template", "-", "--json")
	if code != exitInvalid || !strings.Contains(out, `"field":"components[0].type"`) {
		t.Errorf("invalid as JSON: exit %d %s", code, out)
	}
	good, err := os.ReadFile(filepath.Join("testdata", "templates", "good", "hello_world.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code, out, _ := checkExit(t, string(good), "--template", "-", "--json"); code != 0 || !strings.Contains(out, `"verdict":"clean","findings":[]`) {
		t.Errorf("clean as JSON: exit %d %s", code, out)
	}
}

func TestCheckTemplateUsage(t *testing.T) {
	t.Setenv("WABAGUARD_CONFIG", "")
	for _, args := range [][]string{
		{"--template", "x.json", "--send"},
		{"--template", "x.json", "--inbound"},
		{"--template", "-", "more", "words"},
	} {
		if code, _, _ := checkExit(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
