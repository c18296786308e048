package refusal

import (
	"fmt"
	"io"
	"strings"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// WritePage writes docs/refusals.md: every entry with its code, key, HTTP
// status, Meta's equivalent and its texts in each language.
func WritePage(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Refusals: the gateway's own codes\n\n")
	b.WriteString("<!-- Generated from internal/refusal/catalogue.go by `go test ./internal/refusal -update`; do not edit. -->\n\n")
	b.WriteString("When wabaguard itself refuses a message, the client gets a Graph error (or, when the\n")
	b.WriteString("refusal happens at send time, a `failed` status webhook) with one of these codes. They lie\n")
	b.WriteString("in 470000–470999, a range no documented Meta code uses. Refusals that mean for the client\n")
	b.WriteString("exactly what Meta's would (a malformed body, an unknown phone number id) keep Meta's codes.\n\n")
	b.WriteString("The explanation comes in the request's `Accept-Language` (pt-BR by default, en, es) in\n")
	b.WriteString("`error_data.details`, followed by Meta's equivalent code, when there is one, and a link here.\n")
	b.WriteString("A client written for Meta alone can treat each code like its Meta equivalent.\n\n")
	b.WriteString("| Code | Decision code | HTTP | Meta's equivalent | Title |\n|---|---|---|---|---|\n")
	for _, e := range entries {
		meta := "—"
		if e.Meta != 0 {
			meta = fmt.Sprintf("%d %s", e.Meta, wire.Title(e.Meta))
		}
		fmt.Fprintf(&b, "| [%d](#%s) | `%s` | %d | %s | %s |\n", e.Code, e.Anchor(), e.Key, e.HTTPStatus, meta, e.In(EN).Title)
	}
	b.WriteString("\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "<a id=\"%s\"></a>\n## %d `%s`\n\n", e.Anchor(), e.Code, e.Key)
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
		if e.Meta != 0 {
			fmt.Fprintf(&b, " · Meta's equivalent: %d (%s)", e.Meta, wire.Title(e.Meta))
		}
		b.WriteString("\n\n")
		for _, l := range Langs {
			t := e.In(l)
			fmt.Fprintf(&b, "- **%s — %s.** %s\n", l, t.Title, t.Explanation)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
