package classifier

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Class tokens stand for whole families of surface forms, so that a model
// learns "a link" or "an amount of money" rather than each link or amount.
const (
	TokURL   = "<url>"
	TokEmail = "<email>"
	TokMoney = "<money>"
	TokPhone = "<phone>"
	TokNum   = "<num>"
)

// phoneDigits is the fewest digits a number needs to count as a phone
// number rather than an amount, a code or a date: Brazilian mobiles have 11
// with the area code, UK mobiles 11, short codes 5.
const phoneDigits = 8

// tokens is the normalised token sequence of one text, written into one
// reusable buffer: token i is buf[ends[i-1]:ends[i]] (ends[-1] being 0).
// Reusing it is what keeps Classify free of allocations.
type tokens struct {
	buf  []byte
	ends []int
	// money is set by a currency sign not yet followed by its number,
	// which may come in the next chunk ("R$ 50,00").
	money bool
}

func (t *tokens) reset() {
	t.buf, t.ends, t.money = t.buf[:0], t.ends[:0], false
}

func (t *tokens) len() int { return len(t.ends) }

func (t *tokens) at(i int) []byte {
	start := 0
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.buf[start:t.ends[i]]
}

func (t *tokens) addString(s string) {
	t.buf = append(t.buf, s...)
	t.ends = append(t.ends, len(t.buf))
}

// Tokens returns the normalised tokens of text, in order: words lower-cased
// with their accents folded ("Atualização" is "atualizacao"), and links,
// e-mail addresses, amounts of money, phone numbers and other numbers
// replaced by the class tokens TokURL, TokEmail, TokMoney, TokPhone and
// TokNum. It is what the model counts; bigrams are formed from it.
func Tokens(text string) []string {
	var t tokens
	t.tokenize(text)
	out := make([]string, t.len())
	for i := range out {
		out[i] = string(t.at(i))
	}
	return out
}

// tokenize splits text into whitespace-separated chunks and each chunk into
// tokens.
func (t *tokens) tokenize(text string) {
	t.reset()
	for len(text) > 0 {
		i := strings.IndexFunc(text, unicode.IsSpace)
		var chunk string
		if i < 0 {
			chunk, text = text, ""
		} else {
			chunk = text[:i]
			_, n := utf8.DecodeRuneInString(text[i:])
			text = text[i+n:]
		}
		if chunk != "" {
			t.chunk(chunk)
		}
	}
}

// chunk tokenizes one whitespace-free chunk.
func (t *tokens) chunk(c string) {
	money := t.money // a currency sign was just seen
	t.money = false
	if isURL(c) {
		t.addString(TokURL)
		return
	}
	if isEmail(c) {
		t.addString(TokEmail)
		return
	}
	for i := 0; i < len(c); {
		r, n := utf8.DecodeRuneInString(c[i:])
		switch {
		case r >= '0' && r <= '9':
			j, digits := i, 0
			// A number runs on through digits and the separators inside
			// it: 1.500,00, 0845-281-0075, (11)98765-4321 stays split at
			// the parenthesis but joins its two halves.
			for j < len(c) {
				b := c[j]
				if b >= '0' && b <= '9' {
					digits++
					j++
					continue
				}
				if (b == '.' || b == ',' || b == '-') && j+1 < len(c) && c[j+1] >= '0' && c[j+1] <= '9' {
					j++
					continue
				}
				break
			}
			suffix := currencySuffix(c[j:])
			switch {
			case money || suffix > 0:
				t.addString(TokMoney)
				j += suffix
			case digits >= phoneDigits:
				t.addString(TokPhone)
			default:
				t.addString(TokNum)
			}
			money = false
			i = j
			continue
		case r == '£' || r == '$' || r == '€' || r == '¥':
			money = true
			if t.len() > 0 && string(t.at(t.len()-1)) == "r" && i > 0 && (c[i-1] == 'r' || c[i-1] == 'R') {
				// "R$": the "r" was the currency, not a word.
				t.buf = t.buf[:len(t.buf)-1]
				t.ends = t.ends[:len(t.ends)-1]
			}
			i += n
			continue
		case unicode.IsLetter(r):
			start := len(t.buf)
			for i < len(c) {
				r, n = utf8.DecodeRuneInString(c[i:])
				if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
					break
				}
				t.buf = foldRune(t.buf, r, c[i:])
				i += n
			}
			if len(t.buf) > start {
				t.ends = append(t.ends, len(t.buf))
			}
			money = false
			continue
		}
		i += n
	}
	t.money = money
}

// foldRune appends r lower-cased and without its accents. rest is the
// text starting at r, which norm needs to find r's decomposition without
// allocating.
func foldRune(buf []byte, r rune, rest string) []byte {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(buf, byte(r))
	}
	if unicode.Is(unicode.Mn, r) {
		return buf // a combining accent of a decomposed text
	}
	if d := norm.NFD.PropertiesString(rest).Decomposition(); len(d) > 0 {
		base, _ := utf8.DecodeRune(d)
		r = base
	}
	return utf8.AppendRune(buf, unicode.ToLower(r))
}

// isURL reports whether a chunk is a link: a scheme, "www.", or a host
// name ending in a common top-level domain (bit.ly/x, site.com.br).
func isURL(c string) bool {
	if strings.IndexByte(c, '.') < 0 && strings.IndexByte(c, ':') < 0 {
		return false // most words: decided without lower-casing
	}
	lc := strings.ToLower(c)
	if strings.Contains(lc, "://") || strings.HasPrefix(lc, "www.") {
		return true
	}
	host := lc
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	host = strings.TrimRight(host, ".,;:!)")
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || strings.ContainsAny(host, "@") {
		return false
	}
	for _, b := range []byte(host[:dot]) {
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '.') {
			return false
		}
	}
	switch host[dot+1:] {
	case "com", "br", "net", "org", "ly", "co", "uk", "io", "me", "info", "biz", "xyz", "top", "site", "online", "link", "app", "in", "gl":
		return true
	}
	return false
}

// isEmail reports whether a chunk is an e-mail address.
func isEmail(c string) bool {
	at := strings.IndexByte(c, '@')
	return at > 0 && strings.IndexByte(c[at+1:], '.') > 0
}

// currencySuffix returns the length of a unit of money that follows a
// number ("50p", "100reais", "10€"), or 0.
func currencySuffix(s string) int {
	for _, u := range []string{"€", "£", "reais", "gbp", "usd", "p"} {
		if len(s) >= len(u) && strings.EqualFold(s[:len(u)], u) {
			rest := s[len(u):]
			if r, _ := utf8.DecodeRuneInString(rest); rest == "" || !unicode.IsLetter(r) {
				return len(u)
			}
		}
	}
	return 0
}
