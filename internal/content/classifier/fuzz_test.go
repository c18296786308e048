package classifier

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTokens: any text tokenizes without panicking into non-empty,
// lower-case, valid UTF-8 tokens without white space, and Classify gives a
// probability.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{"", "Olá ATUALIZAÇÃO http://x.co/a R$1.500,00 50p 08452810075", "R$", "1.", "a@b.c", "www.", "\xff\xfe", "cafe\u0301", "££££", "ǅungla İstanbul"} {
		f.Add(s)
	}
	m := Builtin()
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokens(s) {
			if tok == "" || strings.ContainsAny(tok, " \t\n\r") {
				t.Fatalf("Tokens(%q) has token %q", s, tok)
			}
			if !utf8.ValidString(tok) {
				t.Fatalf("Tokens(%q) has invalid token %q", s, tok)
			}
		}
		v := m.Classify(s)
		if v.Score < 1.0/3-1e-9 || v.Score > 1 || LabelIndex(v.Label) < 0 {
			t.Fatalf("Classify(%q) = %+v", s, v)
		}
	})
}

// FuzzParseTrainingFile: any input is either refused with line-numbered
// errors and no examples, or accepted with only valid examples.
func FuzzParseTrainingFile(f *testing.F) {
	for _, s := range []string{
		`{"text":"hi","label":"ham","lang":"en"}` + "\n" + `{"text":"win","label":"spam"}`,
		"text,label,lang\nhi,ham,en\n\"win, now\",spam,pt-BR\n",
		"hi,ham\n\"unterminated,spam\n",
		`{"text":1,"label":"ham"}`,
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := ParseTrainingFile(strings.NewReader(string(data)))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || len(pe.Lines) == 0 || ex != nil {
				t.Fatalf("error %v with %d examples", err, len(ex))
			}
			return
		}
		if len(ex) == 0 {
			t.Fatal("accepted a file with no examples")
		}
		for _, e := range ex {
			if LabelIndex(e.Label) < 0 || strings.TrimSpace(e.Text) == "" || len(e.Text) > MaxTextLen || (e.Lang != "" && e.Lang != "en" && e.Lang != "pt-BR") {
				t.Fatalf("accepted invalid example %+v", e)
			}
		}
	})
}
