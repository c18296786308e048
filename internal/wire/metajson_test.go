package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestMetaJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"portuguese", `{"body":"ação"}`, `{"body":"a\u00e7\u00e3o"}`},
		{"emoji as a surrogate pair", `{"body":"👍"}`, `{"body":"\ud83d\udc4d"}`},
		{"go's html escapes undone", `{"body":"\u003cb\u003e \u0026"}`, `{"body":"<b> &"}`},
		{"slash as itself", `{"url":"https:\/\/example.com/a"}`, `{"url":"https://example.com/a"}`},
		{"upper-case escapes lowered", `{"b":"\u00C7"}`, `{"b":"\u00c7"}`},
		{"controls short and long", `{"b":"a\nb\tc\u0001\u007f"}`, `{"b":"a\nb\tc\u0001\u007f"}`},
		{"quotes and backslashes", `{"b":"say \"oi\" \\ ok"}`, `{"b":"say \"oi\" \\ ok"}`},
		{"whitespace dropped, numbers kept", "{ \"a\" : [ 1, 2.50, -3e2, true, null ] }", `{"a":[1,2.50,-3e2,true,null]}`},
		{"line separators", "{\"b\":\"\u2028\"}", `{"b":"\u2028"}`},
		{"keys escaped too", `{"çã":1}`, `{"\u00e7\u00e3":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := MetaJSON([]byte(tc.in))
			if string(got) != tc.want {
				t.Errorf("MetaJSON(%s) = %s, want %s", tc.in, got, tc.want)
			}
			for _, c := range got {
				if c >= 0x80 {
					t.Fatalf("output has a non-ASCII byte: %s", got)
				}
			}
			if !json.Valid(got) {
				t.Fatalf("output is not JSON: %s", got)
			}
		})
	}
}

// TestMetaJSONSurvivesJSReserialisation checks that a receiver which parses
// the body, serialises it again with JSON.stringify and escapes non-ASCII
// (as whatsapp-api-js does before checking the signature) gets back exactly
// the bytes that were signed.
func TestMetaJSONSurvivesJSReserialisation(t *testing.T) {
	t.Parallel()
	secret := []byte("tenant-secret")
	for _, in := range []string{
		`{"object":"whatsapp_business_account","entry":[{"id":"1","time":1764754321,"changes":[{"field":"messages","value":{"messages":[{"text":{"body":"Olá! A ação está confirmada 👍 <ok> & https://x.y/z"}}]}}]}]}`,
		`{"b":"tab\there \"quoted\" \\ é ü ñ 中文 🇧🇷"}`,
	} {
		body := MetaJSON([]byte(in))
		sig := Sign(secret, body)
		again := jsReserialise(t, body)
		if !bytes.Equal(again, body) {
			t.Errorf("re-serialised body differs:\n got %s\nwant %s", again, body)
		}
		if !VerifySignature(secret, again, sig) {
			t.Errorf("signature does not verify over the re-serialised body")
		}
		// Raw UTF-8, as encoding/json writes it, does not survive.
		if plain := []byte(in); bytes.Equal(jsReserialise(t, plain), plain) {
			t.Errorf("raw UTF-8 body unexpectedly survived re-serialisation")
		}
	}
}

// jsReserialise mimics JSON.parse, JSON.stringify and a \uXXXX escape of
// every UTF-16 unit from U+007F up, keeping key order.
func jsReserialise(t *testing.T, b []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out strings.Builder
	var value func() error
	value = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteRune(rune(v))
			for first := true; dec.More(); first = false {
				if !first {
					out.WriteByte(',')
				}
				if v == '{' {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					out.WriteString(jsString(k.(string)))
					out.WriteByte(':')
				}
				if err := value(); err != nil {
					return err
				}
			}
			end, err := dec.Token()
			if err != nil {
				return err
			}
			out.WriteRune(rune(end.(json.Delim)))
		case string:
			out.WriteString(jsString(v))
		case json.Number:
			out.WriteString(v.String())
		case bool:
			fmt.Fprint(&out, v)
		case nil:
			out.WriteString("null")
		}
		return nil
	}
	if err := value(); err != nil {
		t.Fatal(err)
	}
	return []byte(out.String())
}

func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, u := range utf16.Encode([]rune(s)) {
		switch {
		case u == '"' || u == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(u))
		case u == '\n':
			b.WriteString(`\n`)
		case u == '\r':
			b.WriteString(`\r`)
		case u == '\t':
			b.WriteString(`\t`)
		case u == '\b':
			b.WriteString(`\b`)
		case u == '\f':
			b.WriteString(`\f`)
		case u < 0x20 || u >= 0x7f:
			fmt.Fprintf(&b, `\u%04x`, u)
		default:
			b.WriteByte(byte(u))
		}
	}
	b.WriteByte('"')
	return b.String()
}
