package optout

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxInputBytes bounds the work done per message. WhatsApp text bodies are
// at most 4,096 characters, which is up to 16 KiB of UTF-8.
const maxInputBytes = 16 << 10

// token is one word of a folded message.
type token struct {
	// text is the folded word: lower case, accents removed, leetspeak read.
	text string
	// key is text with repeated letters squeezed ("paraar" -> "parar"),
	// the form every comparison uses.
	key string
	// stop reports a clause boundary (. , ; : ! ? or a line break) right
	// after the word: a phrase never spans one.
	stop bool
}

// folded is a message as the matcher sees it.
type folded struct {
	tokens []token
	// question reports that the message ends with "?": "Cancelar?" asks,
	// it does not request.
	question bool
}

// Normalize folds s the way the matcher reads it: Unicode compatibility
// decomposition with accents dropped, lower case, punctuation, symbols and
// emoji turned into spaces, apostrophes dropped ("don't" -> "dont"), digits
// inside words read as letters ("st0p" -> "stop"), runs of three or more
// single letters joined ("s a i r" -> "sair"), and spaces collapsed.
// Normalize is idempotent; its result is a matching key, not display text.
func Normalize(s string) string {
	f := fold(s, -1)
	var b strings.Builder
	for i, t := range f.tokens {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// fold splits s into folded tokens, keeping at most limit of them (all when
// limit < 0; the matcher stops early on long messages).
func fold(s string, limit int) folded {
	if len(s) > maxInputBytes {
		s = s[:maxInputBytes]
	}
	var (
		f    folded
		word []byte
		last rune // last punctuation seen after the last word
	)
	flush := func() {
		if len(word) == 0 {
			return
		}
		f.tokens = append(f.tokens, token{text: readLeet(string(word))})
		word = word[:0]
		last = 0
	}
	boundary := func(r rune) {
		flush()
		if n := len(f.tokens); n > 0 {
			f.tokens[n-1].stop = true
		}
		last = r
	}
	var emit func(r rune)
	emit = func(r rune) {
		switch {
		case r < utf8.RuneSelf:
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				word = append(word, byte(r))
			case 'A' <= r && r <= 'Z':
				word = append(word, byte(r+'a'-'A'))
			case r == '\'' || r == '`':
				// "don't", "d'água": one word.
			case r == '.' || r == ',' || r == ';' || r == ':' || r == '!' || r == '?' || r == '\n':
				boundary(r)
			default:
				flush()
			}
		case r == '\u2019' || r == '\u2018' || r == '\u00b4':
			// Typographic apostrophes and the acute accent typed alone.
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r):
			// Combining accents, variation selectors, zero-width joiners and
			// soft hyphens vanish, so "s\u200dtop" is still "stop".
		case r == '\u00df':
			word = append(word, 's', 's')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if l := unicode.ToLower(r); l != r {
				emit(l)
				return
			}
			if d := norm.NFKD.PropertiesString(string(r)).Decomposition(); len(d) > 0 {
				for _, dr := range string(d) {
					if dr != r {
						emit(dr)
					} else {
						word = utf8.AppendRune(word, r)
					}
				}
				return
			}
			word = utf8.AppendRune(word, r)
		case r == '\u00bf' || r == '\u00a1':
			// Spanish opening marks start a clause; they end nothing.
			flush()
		case r == '\u2026' || r == '\u2028' || r == '\u2029' || r == '\u3002' || r == '\uff01' || r == '\uff1f':
			boundary(r)
		default:
			flush()
		}
	}
	for _, r := range s {
		if limit >= 0 && len(f.tokens) > limit {
			break
		}
		emit(r)
	}
	flush()
	f.question = last == '?' || last == '\uff1f'
	f.tokens = joinSpelled(f.tokens)
	for i := range f.tokens {
		f.tokens[i].key = squeeze(f.tokens[i].text)
	}
	return f
}

// leet maps the digits people put in words to the letters they stand for.
var leet = [10]byte{'o', 'i', 0, 'e', 'a', 's', 0, 't', 0, 0}

// readLeet reads digits as letters in a word that mixes both ("st0p",
// "s41r"); a number alone ("123") is left as it is.
func readLeet(w string) string {
	var letters, digits bool
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case '0' <= c && c <= '9':
			digits = true
		case 'a' <= c && c <= 'z':
			letters = true
		}
	}
	if !letters || !digits {
		return w
	}
	b := []byte(w)
	for i, c := range b {
		if '0' <= c && c <= '9' && leet[c-'0'] != 0 {
			b[i] = leet[c-'0']
		}
	}
	return string(b)
}

// joinSpelled joins runs of three or more one-letter words: "s a i r" and
// "S.A.I.R." are "sair". Two letters stay apart ("e a"), since Portuguese
// and Spanish have one-letter words.
func joinSpelled(ts []token) []token {
	single := func(t token) bool {
		return len(t.text) == 1 && 'a' <= t.text[0] && t.text[0] <= 'z'
	}
	out := ts[:0]
	for i := 0; i < len(ts); {
		j := i
		for j < len(ts) && single(ts[j]) {
			j++
		}
		if j-i >= 3 {
			var b strings.Builder
			for _, t := range ts[i:j] {
				b.WriteString(t.text)
			}
			out = append(out, token{text: b.String(), stop: ts[j-1].stop})
			i = j
			continue
		}
		if j == i {
			j = i + 1
		}
		out = append(out, ts[i:j]...)
		i = j
	}
	return out
}

// squeeze collapses runs of a repeated ASCII letter to one: "paraaar",
// "stoooop" and "sairrr" meet "parar", "stop" and "sair". Both the message
// and the rules are squeezed, so "carro" and "caro" compare equal, which no
// rule depends on. Bytes of multi-byte characters are never collapsed.
func squeeze(w string) string {
	repeated := func(i int) bool { return w[i] == w[i-1] && 'a' <= w[i] && w[i] <= 'z' }
	for i := 1; i < len(w); i++ {
		if repeated(i) {
			b := []byte(w[:i])
			for j := i; j < len(w); j++ {
				if !repeated(j) {
					b = append(b, w[j])
				}
			}
			return string(b)
		}
	}
	return w
}
