package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// recipientOf returns the recipient to store and whether it is a phone
// number the body's "to" may be rewritten to. The recipient rule's wa_id
// wins; without it, a phone-shaped "to" falls back to its digits; anything
// else (a BSUID, a group id) is kept as given.
func recipientOf(to, waID string) (string, bool) {
	if waID != "" {
		return waID, true
	}
	var digits strings.Builder
	for _, c := range to {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case strings.ContainsRune("+-() .", c):
		default:
			return to, false
		}
	}
	if digits.Len() == 0 {
		return to, false
	}
	return digits.String(), true
}

// replaceTo returns body with the value of every top-level "to" member
// replaced by to, keeping every other byte as the client sent it (key order,
// spacing, fields the gateway does not model).
func replaceTo(body []byte, to string) ([]byte, error) {
	val, err := json.Marshal(to)
	if err != nil {
		return nil, fmt.Errorf("encode recipient: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	type span struct{ start, end int64 }
	var spans []span
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read key: %w", err)
		}
		key, _ := tok.(string)
		afterKey := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("read value of %q: %w", key, err)
		}
		if key != "to" {
			continue
		}
		end := dec.InputOffset()
		// The value starts after the colon and any whitespace.
		colon := bytes.IndexByte(body[afterKey:end], ':')
		if colon < 0 {
			return nil, errors.New("malformed member")
		}
		start := afterKey + int64(colon) + 1
		for start < end && isSpace(body[start]) {
			start++
		}
		spans = append(spans, span{start, end})
	}
	if len(spans) == 0 {
		return body, nil
	}
	out := make([]byte, 0, len(body)+len(val))
	var pos int64
	for _, sp := range spans {
		out = append(out, body[pos:sp.start]...)
		out = append(out, val...)
		pos = sp.end
	}
	return append(out, body[pos:]...), nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
