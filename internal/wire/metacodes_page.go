package wire

import (
	"fmt"
	"io"
	"strings"
)

// WriteMetaCodesPage writes docs/meta-error-codes.md from MetaCodes.
func WriteMetaCodesPage(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Meta's error codes and what the gateway does with each\n\n")
	b.WriteString("<!-- Generated from internal/wire/metacodes.go by `go test ./internal/wire -run MetaCodesPage -update`; do not edit. -->\n\n")
	b.WriteString("One table, read by the dispatcher for every failed send (after Meta's error-codes page, as\n")
	b.WriteString("summarised in the project's platform notes). A code not listed is judged by its HTTP status:\n")
	b.WriteString("429 throttles, 5xx and answers without a code back off, 200–299 stop the sender, anything else\n")
	b.WriteString("fails the message. How long each retry goes on is in [resilience.md](resilience.md); the\n")
	b.WriteString("gateway's own codes are in [refusals.md](refusals.md).\n\n")
	b.WriteString("| Code | Meta's title | HTTP | The gateway |\n|---|---|---|---|\n")
	for _, m := range MetaCodes {
		fmt.Fprintf(&b, "| %d | %s | %d | %s |\n", m.Code, m.Title, HTTPStatusFor(m.Code), m.Advice)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
