package wire_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestCheckJSONRefuses(t *testing.T) {
	t.Parallel()
	lim := wire.JSONLimits{MaxDepth: 4, MaxArray: 3}
	tests := []struct{ name, body, why string }{
		{"empty", ``, "empty"},
		{"invalid UTF-8", "{\"a\":\"caf\xe9\"}", "invalid UTF-8"},
		{"invalid UTF-8 in key", "{\"\xff\":1}", "invalid UTF-8"},
		{"overlong encoding", "{\"a\":\"\xc0\xaf\"}", "invalid UTF-8"},
		{"encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8"},
		{"lone high surrogate", `{"a":"\ud83d"}`, "lone high surrogate"},
		{"high then not low", `{"a":"\ud83d\u0041"}`, "lone high surrogate"},
		{"high at end", `{"a":"x\uD800`, "lone high surrogate"},
		{"lone low surrogate", `{"a":"\uDE00"}`, "lone low surrogate"},
		{"reversed pair", `{"a":"\ude00\ud83d"}`, "lone low surrogate"},
		{"duplicate key", `{"a":1,"b":2,"a":3}`, `duplicate key "a"`},
		{"duplicate key by escape", `{"to":1,"\u0074o":2}`, `duplicate key "to"`},
		{"duplicate key by case", `{"to":1,"To":2}`, "duplicate key"},
		{"duplicate nested", `{"a":{"b":[{"c":1,"c":2}]}}`, `duplicate key "c"`},
		{"duplicate in a wide object", `{` + wideObject(40) + `,"k7":0}`, `duplicate key "k7"`},
		{"too deep", `[[[[[1]]]]]`, "deeper than 4"},
		{"too deep objects", `{"a":{"b":{"c":{"d":{}}}}}`, "deeper than 4"},
		{"long array", `[1,2,3,4]`, "more than 3 elements"},
		{"control character", "{\"a\":\"x\ny\"}", "control character"},
		{"bad escape", `{"a":"\x41"}`, "invalid escape"},
		{"bad unicode escape", `{"a":"\u12g4"}`, `invalid \u escape`},
		{"trailing comma", `{"a":1,}`, "object key"},
		{"trailing data", `{} {}`, "after the top-level value"},
		{"bad number", `[01]`, "after array element"},
		{"bad fraction", `[1.]`, "decimal point"},
		{"bad literal", `[tru]`, "expected true"},
		{"unterminated", `{"a":"b`, "end of JSON input"},
		{"missing colon", `{"a" 1}`, "':'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := wire.CheckJSON([]byte(tc.body), lim)
			if err == nil {
				t.Fatalf("CheckJSON accepted %q", tc.body)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %q does not say %q", err, tc.why)
			}
		})
	}
}

func wideObject(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"k` + string(rune('0'+i/10)) + string(rune('0'+i%10)) + `":0`
	}
	// k07 and k7 differ; name one key k7 so the test can duplicate it.
	parts[7] = `"k7":0`
	return strings.Join(parts, ",")
}

func TestCheckJSONAccepts(t *testing.T) {
	t.Parallel()
	lim := wire.JSONLimits{MaxDepth: 4, MaxArray: 3}
	for _, body := range []string{
		`{}`, `[]`, `"x"`, `0`, `-1.5e+10`, `true`, `null`,
		` {"a" : [ 1 , 2 , 3 ] , "b" : { } } `,
		`{"a":"\ud83d\ude00 \u00e9 \/ \" \\ \b\f\n\r\t"}`,
		"{\"a\":\"olá 😀\"}",
		`{"a":{"a":{"a":[1]}}}`,
		`{"to":1,"t_o":2,"from":{"to":3}}`,
		`{` + wideObject(40) + `}`,
	} {
		if err := wire.CheckJSON([]byte(body), lim); err != nil {
			t.Errorf("CheckJSON(%s) = %v", body, err)
		}
	}
}

// TestCheckJSONAcceptsMetaPayloads runs every real webhook fixture and every
// send example of Meta's specification through the strict scan, so it never
// refuses what Meta legitimately sends or documents.
func TestCheckJSONAcceptsMetaPayloads(t *testing.T) {
	t.Parallel()
	n := 0
	for name, body := range pywaCases(t) {
		n++
		if err := wire.CheckJSON(body, wire.WebhookJSONLimits); err != nil {
			t.Errorf("webhook %s: %v", name, err)
		}
	}
	files, _ := filepath.Glob("../inbound/testdata/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases map[string]json.RawMessage
		if err := json.Unmarshal(b, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, body := range cases {
			n++
			if err := wire.CheckJSON(body, wire.WebhookJSONLimits); err != nil {
				t.Errorf("webhook %s/%s: %v", filepath.Base(f), name, err)
			}
		}
	}
	for i, body := range sendSeeds(t) {
		n++
		if err := wire.CheckJSON(body, wire.SendJSONLimits); err != nil {
			t.Errorf("send example %d: %v", i, err)
		}
	}
	if n < 50 {
		t.Fatalf("only %d payloads checked", n)
	}
}

// TestParseRefusesLaxInput covers the list at the parser: each body
// decodes with encoding/json, yet must be refused before it is stored.
func TestParseRefusesLaxInput(t *testing.T) {
	t.Parallel()
	params := func(n int, text string) string {
		ps := make([]string, n)
		for i := range ps {
			ps[i] = `{"type":"text","text":"` + text + `"}`
		}
		return strings.Join(ps, ",")
	}
	tmpl := func(components string) string {
		return `{"messaging_product":"whatsapp","to":"+5511987654321","type":"template","template":{"name":"t","language":{"code":"en"},"components":[` + components + `]}}`
	}
	text := func(to, body string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"text","text":{"body":"` + body + `"}}`
	}
	tests := []struct {
		name, body string
		code       int
		why        string
	}{
		{"invalid UTF-8", text("+5511987654321", "\xff"), wire.CodeInvalidParameter, "invalid UTF-8"},
		{"lone surrogate", text("+5511987654321", `\udfff`), wire.CodeInvalidParameter, "surrogate"},
		{"duplicate key", `{"messaging_product":"whatsapp","to":"1","type":"text","type":"image","text":{"body":"x"}}`, wire.CodeInvalidParameter, "duplicate key"},
		{"to newline", text(`+5511987654321\n`, "x"), wire.CodeInvalidParameter, "control characters"},
		{"to tab", text(`\t+5511987654321`, "x"), wire.CodeInvalidParameter, "control characters"},
		{"to spaces", text(` +5511987654321`, "x"), wire.CodeInvalidParameter, "whitespace"},
		{"to line separator", text(`+5511987654321\u2028`, "x"), wire.CodeInvalidParameter, "control characters"},
		{"to too long", text(strings.Repeat("1", wire.MaxRecipientID+1), "x"), wire.CodeInvalidParameter, "at most 256"},
		{"group path", `{"messaging_product":"whatsapp","recipient_type":"group","to":"../../../etc","type":"text","text":{"body":"x"}}`, wire.CodeInvalidParameter, "group id"},
		{"group slash", `{"messaging_product":"whatsapp","recipient_type":"group","to":"abc/def","type":"text","text":{"body":"x"}}`, wire.CodeInvalidParameter, "group id"},
		{"group leading dash", `{"messaging_product":"whatsapp","recipient_type":"group","to":"-abc","type":"text","text":{"body":"x"}}`, wire.CodeInvalidParameter, "group id"},
		{"10000 parameters", tmpl(`{"type":"body","parameters":[` + params(10000, "v") + `]}`), wire.CodeInvalidParameter, "more than 1000 elements"},
		{"parameters over the bound", tmpl(`{"type":"body","parameters":[` + params(60, "v") + `]},{"type":"header","parameters":[` + params(41, "v") + `]}`), wire.CodeParameterInvalid, "at most 100"},
		{"components over the bound", tmpl(strings.TrimSuffix(strings.Repeat(`{"type":"footer"},`, wire.MaxTemplateComponents+1), ",")), wire.CodeParameterInvalid, "at most 30"},
		{"header parameter long", tmpl(`{"type":"header","parameters":[` + params(1, strings.Repeat("h", 61)) + `]}`), wire.CodeInvalidParameter, "template['components'][0]['parameters'][0]['text'] must be at most 60"},
		{"body parameter long beside header", tmpl(`{"type":"header","parameters":[]},{"type":"body","parameters":[` + params(1, strings.Repeat("b", 1025)) + `]}`), wire.CodeInvalidParameter, "at most 1024"},
		{"body parameter long alone", tmpl(`{"type":"body","parameters":[` + params(1, strings.Repeat("b", 32769)) + `]}`), wire.CodeInvalidParameter, "at most 32768"},
		{"5000-deep", `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"x"},"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, wire.CodeInvalidParameter, "deeper than 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, e := wire.ParseSendRequest([]byte(tc.body))
			if e == nil {
				t.Fatalf("accepted %+v", r)
			}
			if e.Code != tc.code || e.Status() != 400 || !strings.Contains(e.Details(), tc.why) {
				t.Errorf("got (#%d, %d) %q, want (#%d, 400) saying %q", e.Code, e.Status(), e.Details(), tc.code, tc.why)
			}
		})
	}
	// The bounds themselves pass.
	for _, body := range []string{
		tmpl(`{"type":"body","parameters":[` + params(wire.MaxTemplateParameters, "v") + `]}`),
		tmpl(`{"type":"body","parameters":[` + params(1, strings.Repeat("b", 32768)) + `]}`),
		tmpl(`{"type":"header","parameters":[` + params(1, strings.Repeat("h", 60)) + `]},{"type":"body","parameters":[` + params(1, strings.Repeat("b", 1024)) + `]}`),
		`{"messaging_product":"whatsapp","recipient_type":"group","to":"Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD","type":"text","text":{"body":"x"}}`,
		text("+55 11 98765-4321", "x"),
		text("BR.123456", "x"),
	} {
		if _, e := wire.ParseSendRequest([]byte(body)); e != nil {
			t.Errorf("refused %.120s: %v", body, e)
		}
	}
}

// FuzzCheckJSON checks the strict scan against encoding/json: what it
// accepts is valid JSON that decodes, and what encoding/json finds
// malformed it refuses too.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range sendSeeds(f) {
		f.Add(s)
	}
	for _, body := range pywaCases(f) {
		f.Add([]byte(body))
	}
	for _, s := range []string{`{"a":"\ud83d\ude00"}`, `{"a":1,"a":2}`, `[[[]]]`, "\"\xff\"", `-0.5e-3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := wire.CheckJSON(body, wire.SendJSONLimits)
		valid := json.Valid(body)
		if err == nil {
			if !valid {
				t.Fatalf("CheckJSON accepted invalid JSON %q", body)
			}
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatalf("accepted body does not decode: %v", err)
			}
			return
		}
		var je *wire.JSONError
		if !errors.As(err, &je) || je.Offset < 0 || je.Offset > len(body) || je.Reason == "" {
			t.Fatalf("error %v without offset and reason", err)
		}
	})
}

// A typical send body: the strict scan's cost beside the parse it guards.
var typicalSend = []byte(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511987654321","type":"template","template":{"name":"order_update","language":{"code":"pt_BR"},"components":[{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/a.png"}}]},{"type":"body","parameters":[{"type":"text","text":"Maria"},{"type":"text","text":"#12345"},{"type":"currency","currency":{"fallback_value":"R$ 10,00","code":"BRL","amount_1000":10000}}]}]},"biz_opaque_callback_data":"order-12345"}`)

func BenchmarkCheckJSON(b *testing.B) {
	b.SetBytes(int64(len(typicalSend)))
	b.ReportAllocs()
	for b.Loop() {
		if err := wire.CheckJSON(typicalSend, wire.SendJSONLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSendRequest(b *testing.B) {
	b.SetBytes(int64(len(typicalSend)))
	b.ReportAllocs()
	for b.Loop() {
		if _, e := wire.ParseSendRequest(typicalSend); e != nil {
			b.Fatal(e)
		}
	}
}
