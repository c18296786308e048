package templatelint

import (
	"regexp"
	"unicode/utf8"
)

// maxNameLength is Meta's limit on a template's name: "names ≤512 chars,
// lowercase alphanumerics and underscores" (Meta, message template
// fundamentals).
const maxNameLength = 512

var nameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// ruleName: the name is lower-case letters, digits and underscores, at most
// 512 characters.
func ruleName(t *Template) []Finding {
	var out []Finding
	if !nameRE.MatchString(t.Name) {
		out = append(out, finding("name.format", Block, "name", clip(t.Name, 60)))
	}
	if n := utf8.RuneCountInString(t.Name); n > maxNameLength {
		out = append(out, finding("name.length", Block, "name", n, maxNameLength))
	}
	return out
}
