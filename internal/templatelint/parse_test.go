package templatelint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"not JSON", `{"name":`, ""},
		{"not an object", `[1]`, ""},
		{"duplicate key", `{"name":"a","name":"b","language":"en","category":"UTILITY","components":[]}`, ""},
		{"missing name", `{"language":"en","category":"UTILITY","components":[{"type":"BODY","text":"x"}]}`, "name"},
		{"name a number", `{"name":7,"language":"en","category":"UTILITY","components":[{"type":"BODY","text":"x"}]}`, "name"},
		{"missing language", `{"name":"a","category":"UTILITY","components":[{"type":"BODY","text":"x"}]}`, "language"},
		{"missing category", `{"name":"a","language":"en","components":[{"type":"BODY","text":"x"}]}`, "category"},
		{"bad parameter_format", `{"name":"a","language":"en","category":"UTILITY","parameter_format":"both","components":[{"type":"BODY","text":"x"}]}`, "parameter_format"},
		{"typo at the top", `{"name":"a","language":"en","category":"UTILITY","componets":[]}`, "componets"},
		{"no components", `{"name":"a","language":"en","category":"UTILITY"}`, "components"},
		{"empty components", `{"name":"a","language":"en","category":"UTILITY","components":[]}`, "components"},
		{"components an object", `{"name":"a","language":"en","category":"UTILITY","components":{"type":"BODY"}}`, "components"},
		{"component a string", `{"name":"a","language":"en","category":"UTILITY","components":["BODY"]}`, "components[0]"},
		{"unknown component", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"x"},{"type":"SIDEBAR","text":"x"}]}`, "components[1].type"},
		{"component without type", `{"name":"a","language":"en","category":"UTILITY","components":[{"text":"x"}]}`, "components[0].type"},
		{"unknown component field", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","txt":"x"}]}`, "components[0].txt"},
		{"text a number", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","text":5}]}`, "components[0].text"},
		{"unknown header format", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"HEADER","format":"AUDIO"}]}`, "components[0].format"},
		{"format on a body", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","format":"TEXT","text":"x"}]}`, "components[0].format"},
		{"buttons on a body", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"x","buttons":[]}]}`, "components[0].buttons"},
		{"buttons component without buttons", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BUTTONS"}]}`, "components[0].buttons"},
		{"unknown button", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BUTTONS","buttons":[{"type":"TELEPORT","text":"x"}]}]}`, "components[0].buttons[0].type"},
		{"unknown button field", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BUTTONS","buttons":[{"type":"URL","text":"x","link":"y"}]}]}`, "components[0].buttons[0].link"},
		{"example rows not arrays", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"x {{1}} y","example":{"body_text":["Ana"]}}]}`, "components[0].example.body_text[0]"},
		{"example unknown field", `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"x","example":{"body":["Ana"]}}]}`, "components[0].example.body"},
		{"expiry a string", `{"name":"a","language":"en","category":"AUTHENTICATION","components":[{"type":"FOOTER","code_expiration_minutes":"10"}]}`, "components[0].code_expiration_minutes"},
		{"recommendation a string", `{"name":"a","language":"en","category":"AUTHENTICATION","components":[{"type":"BODY","add_security_recommendation":"yes"}]}`, "components[0].add_security_recommendation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.body))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FieldError", err)
			}
			if fe.Field != c.field || fe.Reason == "" {
				t.Errorf("field %q (%v), want %q", fe.Field, err, c.field)
			}
		})
	}
}

func TestParseReadsTheFields(t *testing.T) {
	tm, err := Parse([]byte(`{"name":"n","language":"en","category":"marketing","parameter_format":"NAMED","allow_category_change":true,
		"components":[{"type":"header","format":"text","text":"Hi {{first_name}}","example":{"header_text_named_params":[{"param_name":"first_name","example":"Ana"}]}},
		{"type":"body","text":"b"},{"type":"buttons","buttons":[{"type":"url","text":"Go","url":"https://x.example/{{1}}","example":["https://x.example/1"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if tm.Category != Marketing || tm.Format != Named || !tm.FormatGiven || len(tm.Components) != 3 {
		t.Fatalf("%+v", tm)
	}
	h, b := tm.Components[0], tm.Components[2].Buttons[0]
	if h.Type != "HEADER" || h.Format != "TEXT" || h.Example.HeaderTextNamed[0].ParamName != "first_name" || b.Type != "URL" || b.Example[0] != "https://x.example/1" {
		t.Errorf("header %+v button %+v", h, b)
	}
}

// Meta's own examples lint clean; the flow examples keep the
// specification's "<TEMPLATE_NAME>" placeholder, which is no valid name.
func TestMetaExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/openapi/*.json")
	if err != nil || len(files) < 9 {
		t.Fatalf("examples %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := (&Linter{}).Lint(context.Background(), "acme", b)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if strings.Contains(f, "flow_template") {
				want = []string{"block name.format name"}
			}
			if got := codes(r); !slices.Equal(got, want) {
				t.Errorf("findings %q, want %q", got, want)
			}
		})
	}
}

func FuzzParseTemplate(f *testing.F) {
	files, _ := filepath.Glob("testdata/openapi/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(body("UTILITY", "["+okBody+"]")))
	f.Add([]byte(`{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"{{1}}{{"}]}`))
	f.Add([]byte(`{"name":"a","language":"en","category":"AUTHENTICATION","components":[{"type":"BUTTONS","buttons":[{"type":"OTP"}]}]}`))
	f.Add([]byte(`{"components":[{"type":"CAROUSEL","cards":[{"components":[]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, err := Parse(b)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Reason == "" {
				t.Fatalf("error %v is not a *FieldError with a reason", err)
			}
			return
		}
		r, err := (&Linter{}).Check(context.Background(), "t", tm)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range r.Findings {
			if fd.Code == "" || (fd.Severity != Block && fd.Severity != Warn) || fd.In("en").Message == "" {
				t.Fatalf("finding %+v", fd)
			}
		}
	})
}

func TestFormBody(t *testing.T) {
	b, err := FormBody(map[string][]string{"name": {"n"}, "language": {"en"}, "category": {"UTILITY"},
		"components": {`[{"type":"BODY","text":"Your order shipped today."}]`}})
	if err != nil {
		t.Fatal(err)
	}
	if tm, err := Parse(b); err != nil || tm.Components[0].Text != "Your order shipped today." {
		t.Fatalf("%+v %v", tm, err)
	}
	if _, err := FormBody(map[string][]string{"components": {"[oops"}}); err == nil {
		t.Error("bad components JSON accepted")
	}
	if _, err := FormBody(map[string][]string{"name": {"a", "b"}}); err == nil {
		t.Error("a field twice accepted")
	}
}
