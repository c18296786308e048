package templatelint

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// minWordsPerVariable is how many words of fixed text the body should have
// per variable. Meta rejects templates "with too many variables for their
// length" without publishing the ratio; this bound is the gateway's
// estimate, so it warns rather than blocks.
const minWordsPerVariable = 2

// ruleVariables: variables are well formed, of the template's format,
// numbered {{1}}…{{n}} without gaps when positional; the body neither
// starts nor ends with one, none sits next to another, the header has at
// most one, the footer none (Meta's template review; error subcodes
// 2388293/2388299 for too many and leading or trailing variables).
func ruleVariables(t *Template) []Finding {
	var out []Finding
	for _, c := range t.Components {
		if !c.HasText {
			continue
		}
		field := c.Field("text")
		vars, malformed := scan(c.Text)
		for _, m := range malformed {
			out = append(out, finding("variables.malformed", Block, field, m))
		}
		if len(vars) == 0 {
			continue
		}
		switch c.Type {
		case "FOOTER":
			out = append(out, finding("footer.variables", Block, field))
			continue
		case "HEADER":
			if n := len(distinct(vars)); n > 1 {
				out = append(out, finding("variables.header_count", Block, field, n))
			}
		}
		out = append(out, formatFindings(t, field, vars)...)
		if c.Type != "BODY" {
			continue
		}
		text := strings.TrimSpace(c.Text)
		if strings.HasPrefix(text, "{{"+vars[0].Name+"}}") {
			out = append(out, finding("variables.leading", Block, field))
		}
		if last := vars[len(vars)-1]; strings.HasSuffix(text, "{{"+last.Name+"}}") {
			out = append(out, finding("variables.trailing", Block, field))
		}
		for i := 1; i < len(vars); i++ {
			if strings.TrimSpace(c.Text[vars[i-1].End:vars[i].Start]) == "" {
				out = append(out, finding("variables.adjacent", Block, field, vars[i-1].Name, vars[i].Name))
			}
		}
		if words := fixedWords(c.Text, vars); words < minWordsPerVariable*len(vars) {
			out = append(out, finding("variables.density", Warn, field, len(vars), words))
		}
	}
	return out
}

// formatFindings checks vars against the template's parameter format and,
// for positional ones, the {{1}}…{{n}} sequence of one text.
func formatFindings(t *Template, field string, vars []token) []Finding {
	var out []Finding
	names := distinct(vars)
	var nums []int
	for _, n := range names {
		num := isNumber(n)
		if num != (t.Format == Positional) {
			out = append(out, finding("variables.format_mismatch", Block, field, n, string(t.Format)))
			continue
		}
		if num {
			v, _ := strconv.Atoi(n)
			nums = append(nums, v)
		}
	}
	if t.Format != Positional || len(out) > 0 {
		return out
	}
	// Meta numbers each component's variables from 1 without gaps; the
	// order they appear in is free. A leading zero ({{01}}) is no number
	// of that sequence.
	slices.Sort(nums)
	for i, n := range nums {
		if n != i+1 || !slices.Contains(names, strconv.Itoa(n)) {
			out = append(out, finding("variables.sequence", Block, field, braced(names), len(names)))
			break
		}
	}
	return out
}

func braced(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "{{" + n + "}}"
	}
	return strings.Join(parts, ", ")
}

// fixedWords counts the words of text outside its variables.
func fixedWords(text string, vars []token) int {
	var b strings.Builder
	prev := 0
	for _, v := range vars {
		b.WriteString(text[prev:v.Start])
		b.WriteByte(' ')
		prev = v.End
	}
	b.WriteString(text[prev:])
	n := 0
	for _, w := range strings.Fields(b.String()) {
		if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}
