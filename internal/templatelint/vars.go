package templatelint

import (
	"regexp"
	"strconv"
	"strings"
)

// token is one {{…}} in a text.
type token struct {
	// Name is what is between the braces.
	Name string
	// Start and End are its byte offsets, braces included.
	Start, End int
}

// variableRE is a well-formed variable: {{1}} or {{first_name}}. Meta takes
// lower-case letters, digits and underscores, with no spaces inside.
var variableRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// scan finds the {{…}} of text, and the malformed ones: an unclosed "{{",
// a stray "}}", or braces around something that is not a variable name.
func scan(text string) (vars []token, malformed []string) {
	i := 0
	for i < len(text) {
		open := strings.Index(text[i:], "{{")
		cls := strings.Index(text[i:], "}}")
		if open < 0 {
			if cls >= 0 {
				malformed = append(malformed, "}}")
			}
			break
		}
		if cls >= 0 && cls < open {
			malformed = append(malformed, "}}")
		}
		start := i + open
		// Extra opening braces ("{{{1}}}") are part of the fault.
		end := strings.Index(text[start+2:], "}}")
		if end < 0 {
			malformed = append(malformed, clip(text[start:], 20))
			break
		}
		end += start + 2
		name := text[start+2 : end]
		tok := token{Name: name, Start: start, End: end + 2}
		if variableRE.MatchString(name) {
			vars = append(vars, tok)
		} else {
			malformed = append(malformed, clip(text[start:end+2], 40))
		}
		i = end + 2
	}
	return vars, malformed
}

// clip shortens s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// isNumber reports whether a variable name is positional.
func isNumber(name string) bool {
	_, err := strconv.Atoi(name)
	return err == nil
}

// distinct returns the names of vars, first appearance first.
func distinct(vars []token) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vars {
		if !seen[v.Name] {
			seen[v.Name] = true
			out = append(out, v.Name)
		}
	}
	return out
}
