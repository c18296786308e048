package content

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		in, display, fold string
		invisible         int
	}{
		{"Atualização Cadastral", "Atualização Cadastral", " atualizacao cadastral ", 0},
		{"ＰＩＸ já!", "PIX já!", " pix ja ", 0},
		{"𝐏𝐈𝐗 grátis", "PIX grátis", " pix gratis ", 0},
		{"ma\u200bco\u200dnha", "maconha", " maconha ", 2},
		{"\ufeffolá\u2060", "olá", " ola ", 2},
		{"R$ 1.500,00 — ÚLTIMO DIA", "R$ 1.500,00 — ÚLTIMO DIA", " r 1 500 00 ultimo dia ", 0},
		{"ação\u0301", "açãó", " acao ", 0},
		{"👨‍👩‍👧", "👨‍👩‍👧", " ", 0},
		{"ñandú ÇA", "ñandú ÇA", " nandu ca ", 0},
	} {
		n, err := Normalize(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if n.Display != tc.display || n.Fold != tc.fold || n.Invisible != tc.invisible {
			t.Errorf("%q: got %q %q %d, want %q %q %d", tc.in, n.Display, n.Fold, n.Invisible, tc.display, tc.fold, tc.invisible)
		}
	}
}

func TestNormalizeBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"huge", strings.Repeat("a", MaxTextBytes+1), ErrTooLong},
		{"broken utf-8", "pague \xff\xfe já", ErrUTF8},
		{"lone continuation byte", "\x80", ErrUTF8},
		{"truncated sequence", "ol\xc3", ErrUTF8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Normalize(tc.in); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// The checker names the field of a text it cannot read and checks nothing
// else.
func TestCheckBadInputNamesField(t *testing.T) {
	res := New().Check(t.Context(), "t1", Message{Texts: []Text{
		{Field: "interactive.body.text", Value: "ok"},
		{Field: "interactive.footer.text", Value: "x\xffy"},
	}})
	if res.Err == nil || res.Err.Field != "interactive.footer.text" || !errors.Is(res.Err, ErrUTF8) {
		t.Fatalf("Err %v, want the footer's broken UTF-8", res.Err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings %v on an unreadable message", res.Findings)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", "Seu boleto vence dia 10", "ＰＩＸ", "ma\u200bconha", "👨‍👩‍👧", "\xff\xfe", "a\u0301\u0301\u0301",
		"🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "\u202e\u202d", "ﷺ", "ǅ", "\u3164\u3164",
		strings.Repeat("ﷺ", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Normalize(s)
		if err != nil {
			if s != "" && len(s) <= MaxTextBytes && utf8.ValidString(s) {
				t.Fatalf("valid text %q refused: %v", s, err)
			}
			return
		}
		if !utf8.ValidString(n.Display) || !utf8.ValidString(n.Fold) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		if !strings.HasPrefix(n.Fold, " ") || !strings.HasSuffix(n.Fold, " ") || strings.Contains(n.Fold, "  ") {
			t.Fatalf("fold %q of %q is not space-delimited words", n.Fold, s)
		}
		if n.Invisible < 0 || n.Invisible > utf8.RuneCountInString(s)*4 {
			t.Fatalf("invisible count %d for %q", n.Invisible, s)
		}
		// Folding is stable: the folded text folds to itself.
		if again := fold(n.Fold); again != n.Fold {
			t.Fatalf("fold not idempotent: %q → %q", n.Fold, again)
		}
		// And the checker never panics on what the normaliser accepts.
		New().Check(t.Context(), "t", Message{Texts: []Text{{Field: "f", Value: s}}})
	})
}
