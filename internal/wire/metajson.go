package wire

import (
	"encoding/json"
)

// MetaJSON rewrites a JSON document the way Meta writes webhook bodies and
// the way SDKs that check signatures after re-serialising expect them
// (JavaScript's JSON.stringify followed by escaping every character from
// U+007F up as \uXXXX with lowercase hex, astral characters as surrogate
// pairs): no insignificant whitespace; in strings only '"', '\\' and control
// characters escaped, with the short forms \b \f \n \r \t, and everything
// else that is ASCII written as itself ('/', '<', '>' and '&' included).
// Numbers and literals are kept byte for byte. b must be valid JSON; a
// string that does not decode is copied unchanged.
func MetaJSON(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for i := 0; i < len(b); {
		c := b[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			i++
		case '"':
			end := stringEnd(b, i)
			var s string
			if err := json.Unmarshal(b[i:end], &s); err != nil {
				out = append(out, b[i:end]...)
			} else {
				out = appendMetaString(out, s)
			}
			i = end
		default:
			out = append(out, c)
			i++
		}
	}
	return out
}

// stringEnd returns the index just past the string literal opening at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

func appendMetaString(out []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	esc := func(r rune) {
		out = append(out, '\\', 'u', hexd[r>>12&0xf], hexd[r>>8&0xf], hexd[r>>4&0xf], hexd[r&0xf])
	}
	out = append(out, '"')
	for _, r := range s {
		switch {
		case r == '"':
			out = append(out, '\\', '"')
		case r == '\\':
			out = append(out, '\\', '\\')
		case r == '\b':
			out = append(out, '\\', 'b')
		case r == '\f':
			out = append(out, '\\', 'f')
		case r == '\n':
			out = append(out, '\\', 'n')
		case r == '\r':
			out = append(out, '\\', 'r')
		case r == '\t':
			out = append(out, '\\', 't')
		case r < 0x20 || r >= 0x7f && r <= 0xffff:
			esc(r)
		case r > 0xffff:
			r -= 0x10000
			esc(0xd800 + (r>>10)&0x3ff)
			esc(0xdc00 + r&0x3ff)
		default:
			out = append(out, byte(r))
		}
	}
	return append(out, '"')
}
