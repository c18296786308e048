package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// JSONLimits bounds the shape of a JSON body that CheckJSON accepts.
type JSONLimits struct {
	// MaxDepth is the deepest nesting of objects and arrays; the top-level
	// value is depth 1.
	MaxDepth int
	// MaxArray is the most elements any one array may have.
	MaxArray int
}

// Limits of the strict JSON scan. Meta's payloads are shallow (a webhook
// nests about eight levels, a carousel template about ten), so 64 leaves
// ample room while keeping a hostile body from costing a deep recursion.
// A send body has no array Meta allows beyond a few dozen elements; a
// webhook batches up to 1,000 updates, so its bound is ten times that.
const (
	MaxJSONDepth        = 64
	MaxSendJSONArray    = 1000
	MaxWebhookJSONArray = 10000
)

var (
	// SendJSONLimits bounds send request bodies.
	SendJSONLimits = JSONLimits{MaxDepth: MaxJSONDepth, MaxArray: MaxSendJSONArray}
	// WebhookJSONLimits bounds webhook bodies from Meta.
	WebhookJSONLimits = JSONLimits{MaxDepth: MaxJSONDepth, MaxArray: MaxWebhookJSONArray}
)

// JSONError is the first reason CheckJSON refuses a body, with the byte
// offset where it was found.
type JSONError struct {
	Offset int
	Reason string
}

func (e *JSONError) Error() string { return fmt.Sprintf("%s (at byte %d)", e.Reason, e.Offset) }

// CheckJSON scans body once and refuses what encoding/json would let
// through silently but must not reach Meta or the store: invalid UTF-8
// (which json.Unmarshal turns into U+FFFD while the raw body is forwarded
// as sent), \u escapes of lone surrogates, duplicate keys in any object
// (json.Unmarshal keeps the last, Meta may read the first, so the gateway
// would validate one value and send another), and nesting or arrays beyond
// lim. Keys that differ only in letter case count as duplicates, because
// encoding/json matches struct fields without regard to case. It also
// checks the JSON syntax, so a body it accepts decodes without a syntax
// error. A zero limit means no bound.
func CheckJSON(body []byte, lim JSONLimits) error {
	s := jsonScanner{b: body, lim: lim}
	s.space()
	if s.i == len(s.b) {
		return s.fail("the body is empty")
	}
	if err := s.value(); err != nil {
		return err
	}
	s.space()
	if s.i != len(s.b) {
		return s.fail("unexpected data after the top-level value")
	}
	return nil
}

type jsonScanner struct {
	b     []byte
	i     int
	depth int
	lim   JSONLimits
	// keys holds the member names of the objects being scanned, innermost
	// last; each object remembers where its own start.
	keys [][]byte
}

func (s *jsonScanner) fail(format string, args ...any) *JSONError {
	return &JSONError{Offset: s.i, Reason: fmt.Sprintf(format, args...)}
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) value() error {
	if s.i >= len(s.b) {
		return s.fail("unexpected end of JSON input")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		_, _, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		return s.fail("invalid character %q looking for a value", rune(c))
	}
}

func (s *jsonScanner) enter() error {
	s.depth++
	if s.lim.MaxDepth > 0 && s.depth > s.lim.MaxDepth {
		return s.fail("the body nests deeper than %d levels", s.lim.MaxDepth)
	}
	return nil
}

// linearKeys is how many members an object may have before duplicate
// detection switches from comparing each pair to a map.
const linearKeys = 16

func (s *jsonScanner) object() error {
	if err := s.enter(); err != nil {
		return err
	}
	s.i++ // {
	start := len(s.keys)
	defer func() { s.keys = s.keys[:start] }()
	var folded map[string]struct{}
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return nil
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			if s.i >= len(s.b) {
				return s.fail("unexpected end of JSON input")
			}
			return s.fail("invalid character %q looking for an object key", rune(s.b[s.i]))
		}
		keyAt := s.i
		key, escaped, err := s.str()
		if err != nil {
			return err
		}
		if escaped {
			var k string
			if err := json.Unmarshal(key, &k); err != nil {
				return &JSONError{Offset: keyAt, Reason: "invalid object key"}
			}
			key = []byte(k)
		} else {
			key = key[1 : len(key)-1]
		}
		if dup := s.seen(start, key, &folded); dup {
			return &JSONError{Offset: keyAt, Reason: fmt.Sprintf("duplicate key %q in one object", key)}
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("expected ':' after object key")
		}
		s.i++
		s.space()
		if err := s.value(); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return s.fail("unexpected end of JSON input")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail("invalid character %q after object member", rune(s.b[s.i]))
		}
	}
}

// seen records key among the members of the object whose keys start at
// start, reporting whether an equal key (ignoring case) was there already.
func (s *jsonScanner) seen(start int, key []byte, folded *map[string]struct{}) bool {
	n := len(s.keys) - start
	if n < linearKeys {
		for _, k := range s.keys[start:] {
			if bytes.EqualFold(k, key) {
				return true
			}
		}
		s.keys = append(s.keys, key)
		return false
	}
	if *folded == nil {
		*folded = make(map[string]struct{}, 2*n)
		for _, k := range s.keys[start:] {
			(*folded)[foldKey(k)] = struct{}{}
		}
	}
	f := foldKey(key)
	if _, ok := (*folded)[f]; ok {
		return true
	}
	(*folded)[f] = struct{}{}
	s.keys = append(s.keys, key)
	return false
}

// foldKey maps every key bytes.EqualFold deems equal to one string.
func foldKey(k []byte) string {
	return string(bytes.ToLower(bytes.ToUpper(k)))
}

func (s *jsonScanner) array() error {
	if err := s.enter(); err != nil {
		return err
	}
	s.i++ // [
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return nil
	}
	for n := 1; ; n++ {
		if s.lim.MaxArray > 0 && n > s.lim.MaxArray {
			return s.fail("an array has more than %d elements", s.lim.MaxArray)
		}
		s.space()
		if err := s.value(); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return s.fail("unexpected end of JSON input")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail("invalid character %q after array element", rune(s.b[s.i]))
		}
	}
}

// str scans a string at s.i and returns its raw bytes, quotes included,
// and whether it has escapes.
func (s *jsonScanner) str() (raw []byte, escaped bool, err error) {
	start := s.i
	s.i++ // "
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start:s.i], escaped, nil
		case c == '\\':
			escaped = true
			if err := s.escape(); err != nil {
				return nil, false, err
			}
		case c < 0x20:
			return nil, false, s.fail("control character %U in a string; escape it", rune(c))
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size <= 1 {
				return nil, false, s.fail("invalid UTF-8 in a string")
			}
			s.i += size
		}
	}
	return nil, false, s.fail("unexpected end of JSON input in a string")
}

// escape scans one escape sequence at s.i, refusing a \u escape of a
// surrogate that is not a high one directly followed by a low one.
func (s *jsonScanner) escape() error {
	if s.i+1 >= len(s.b) {
		return s.fail("unexpected end of JSON input in an escape")
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return nil
	case 'u':
	default:
		return s.fail("invalid escape %q in a string", s.b[s.i:s.i+2])
	}
	r, ok := hex4(s.b, s.i+2)
	if !ok {
		return s.fail("invalid \\u escape in a string")
	}
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		return s.fail("lone low surrogate \\u%04X in a string", r)
	case r >= 0xD800 && r <= 0xDBFF:
		if s.i+12 <= len(s.b) && s.b[s.i+6] == '\\' && s.b[s.i+7] == 'u' {
			if lo, ok := hex4(s.b, s.i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				s.i += 12
				return nil
			}
		}
		return s.fail("lone high surrogate \\u%04X in a string", r)
	}
	s.i += 6
	return nil
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (s *jsonScanner) literal(word string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return s.fail("invalid literal; expected %s", word)
	}
	s.i += len(word)
	return nil
}

func (s *jsonScanner) number() error {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case digits() == 0:
		return s.fail("invalid number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.fail("invalid number: no digits after the decimal point")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.fail("invalid number: no digits in the exponent")
		}
	}
	return nil
}
