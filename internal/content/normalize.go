package content

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxTextBytes bounds one text the checker reads. Meta's longest text (a
// text body) is 4,096 characters, at most 4 bytes each.
const MaxTextBytes = 4 * 4096

// Errors of Normalize.
var (
	ErrEmpty   = errors.New("content: empty text")
	ErrTooLong = fmt.Errorf("content: text longer than %d bytes", MaxTextBytes)
	ErrUTF8    = errors.New("content: text is not valid UTF-8")
)

// InputError is a text the checker could not read, naming its field.
type InputError struct {
	Field string
	Err   error
}

func (e *InputError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the cause (ErrTooLong, ErrUTF8…).
func (e *InputError) Unwrap() error { return e.Err }

// Normalized is a text prepared for the checks.
type Normalized struct {
	// Display is the text as the person sees it: NFKC (so fullwidth and
	// "mathematical bold" letters become plain ones) with invisible
	// characters removed. The structure layer reads it.
	Display string
	// Fold is Display with accents removed, lower case, every run of
	// characters other than letters and digits turned into one space,
	// with a space at each end: " pague o boleto ". Patterns match it.
	Fold string
	// Invisible counts the invisible characters removed (zero-width
	// spaces, joiners between letters, direction overrides, fillers).
	Invisible int
}

// Normalize prepares s for the checks. It fails on an empty text, one
// longer than MaxTextBytes and broken UTF-8; it never panics.
func Normalize(s string) (Normalized, error) {
	switch {
	case s == "":
		return Normalized{}, ErrEmpty
	case len(s) > MaxTextBytes:
		return Normalized{}, ErrTooLong
	case !utf8.ValidString(s):
		return Normalized{}, ErrUTF8
	}
	var n Normalized
	display := norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(display))
	prev := rune(0)
	for i, r := range display {
		if r >= utf8.RuneSelf && isInvisible(r, prev, display[i+utf8.RuneLen(r):]) {
			n.Invisible++
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	n.Display = b.String()
	n.Fold = fold(n.Display)
	return n, nil
}

// latin holds the folded form of the Latin-1 and Latin Extended-A/B
// letters ("ã" → "a", "ß" → "ß"), so that folding Portuguese and Spanish
// text needs no decomposition of the whole string.
// (A variable initialiser, not init: the pattern tables are folded when
// the package's variables are initialised, before any init runs.)
var latin = latinTable()

func latinTable() (t [0x250]string) {
	for r := rune(0x80); r < 0x250; r++ {
		t[r] = strings.ToLower(stripMarks(norm.NFKD.String(string(r))))
	}
	return t
}

func stripMarks(s string) string {
	var b strings.Builder
	for _, r := range s {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// folder writes folded text: letters and digits lower case, every run of
// anything else one space.
type folder struct {
	b     strings.Builder
	space bool
}

func (f *folder) put(r rune) {
	switch {
	case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		f.b.WriteByte(byte(r))
		f.space = false
	case 'A' <= r && r <= 'Z':
		f.b.WriteByte(byte(r) + 'a' - 'A')
		f.space = false
	case r < utf8.RuneSelf:
		f.gap()
	case unicode.Is(unicode.Mn, r):
		// A combining accent of the letter before.
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		f.b.WriteRune(unicode.ToLower(r))
		f.space = false
	default:
		f.gap()
	}
}

func (f *folder) gap() {
	if !f.space {
		f.b.WriteByte(' ')
		f.space = true
	}
}

// fold removes accents and case and keeps letters and digits only.
func fold(s string) string {
	f := folder{space: true}
	f.b.Grow(len(s) + 2)
	f.b.WriteByte(' ')
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			f.put(r)
		case r < rune(len(latin)):
			for _, x := range latin[r] {
				f.put(x)
			}
		default:
			for _, x := range norm.NFKD.String(string(r)) {
				f.put(x)
			}
		}
	}
	f.gap()
	return f.b.String()
}

// isInvisible reports whether r, after prev and before rest, is a
// character that shows nothing and only hides words from filters. The
// joiners and tags that build emoji (👨‍👩‍👧, subdivision flags) are kept.
func isInvisible(r, prev rune, rest string) bool {
	switch r {
	case '\u200d': // zero-width joiner: fine between emoji
		next, _ := utf8.DecodeRuneInString(rest)
		return !(isEmoji(prev) || unicode.Is(unicode.Mn, prev)) || !isEmoji(next)
	case '\u3164', '\u115f', '\u1160', '\uffa0', '\u2800', '\u180e':
		// Hangul fillers, the blank braille pattern, the Mongolian
		// vowel separator: letters or symbols that draw nothing.
		return true
	}
	if r >= 0xe0020 && r <= 0xe007f {
		// Tag characters: part of a subdivision flag after 🏴 or a tag.
		return !(prev == 0x1f3f4 || (prev >= 0xe0020 && prev <= 0xe007f))
	}
	return unicode.Is(unicode.Cf, r)
}

// isEmoji reports whether r is a pictograph, a dingbat or a regional
// indicator (skin tone modifiers and variation selectors are not counted).
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1f3fb && r <= 0x1f3ff:
		return false
	case r >= 0x1f000 && r <= 0x1faff,
		r >= 0x2600 && r <= 0x27bf,
		r >= 0x2b00 && r <= 0x2bff,
		r >= 0x2190 && r <= 0x21ff,
		r == 0x203c, r == 0x2049, r == 0x2122, r == 0x2139, r == 0x231a, r == 0x231b, r == 0x23f0, r == 0x23f3:
		return true
	}
	return false
}
