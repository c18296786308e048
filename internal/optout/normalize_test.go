package optout

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"PARAR", "parar"},
		{"  Não   quero\tmais\n receber!!! ", "nao quero mais receber"},
		{"Ñandú ÇÃO àéîõü", "nandu cao aeiou"},
		{"n\u0303a\u0303o", "nao"},
		{"ＳＴＯＰ", "stop"},
		{"𝐒𝐀𝐈𝐑", "sair"},
		{"🛑STOP🛑", "stop"},
		{"don't", "dont"},
		{"Don’t", "dont"},
		{"opt-out", "opt out"},
		{"#voltar", "voltar"},
		{"s a i r", "sair"},
		{"S.A.I.R.", "sair"},
		{"e a", "e a"},
		{"st0p", "stop"},
		{"p4r4r", "parar"},
		{"pedido 12345", "pedido 12345"},
		{"s\u200dtop", "stop"},
		{"stop\ufe0f", "stop"},
		{"Straße", "strasse"},
		{"ẞ", "ss"},
		{"İstanbul", "istanbul"},
		{"¿Qué? ¡No!", "que no"},
		{"", ""},
		{"!!!", ""},
	}
	for _, c := range cases {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSqueeze(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"paraaar": "parar", "stoooop": "stop", "sair": "sair", "": "", "aa": "a",
		"\u1000\u1000": "\u1000\u1000", // Myanmar KA is E1 80 80: bytes repeat, letters do not
	} {
		if got := squeeze(in); got != want {
			t.Errorf("squeeze(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeBoundsWork(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("parar ", 100_000)
	if n := len(strings.Fields(Normalize(huge))); n > maxInputBytes/2 {
		t.Errorf("Normalize kept %d words of a 600 kB message", n)
	}
	if got := Default().Match(huge); got.Kind != KindNone {
		t.Errorf("a huge message matched %+v", got)
	}
}

// FuzzMatch checks that no input panics, that folding is idempotent and
// yields clean text, and that every match names its rule.
func FuzzMatch(f *testing.F) {
	for _, set := range [][]matchCase{ptBRCases, esCases, enCases} {
		for _, c := range set {
			f.Add(c.text)
		}
	}
	f.Add("\xff\xfe invalid utf-8 sair")
	f.Add("ᄀ\u1000\u1000 \u0130\u0307")
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, again)
		}
		if !utf8.ValidString(n) || strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Fatalf("Normalize(%q) = %q: not clean", s, n)
		}
		for _, ctx := range []Context{{}, {ReplyToMarketing: true, ReplyToOptInRequest: true}} {
			m := Default().MatchContext(s, ctx)
			switch m.Kind {
			case KindNone:
				if m != None {
					t.Fatalf("Match(%q) = %+v: none with details", s, m)
				}
			case KindOptOut, KindOptIn:
				if m.RuleID == "" || (m.Scope != ScopeAll && m.Scope != ScopeMarketing) {
					t.Fatalf("Match(%q) = %+v: incomplete", s, m)
				}
			default:
				t.Fatalf("Match(%q) = %+v: unknown kind", s, m)
			}
		}
	})
}
