package templatelint

import "unicode/utf8"

// Meta's length limits of template components, in characters (Meta,
// message template components reference: header text 60, body 1,024,
// footer 60, button text 25, URL 2,000; the same header, body and footer
// figures as interactive messages in the Cloud API specification).
const (
	maxBodyLength       = 1024
	maxHeaderLength     = 60
	maxFooterLength     = 60
	maxButtonTextLength = 25
	maxURLLength        = 2000
)

// ruleLengths: every text within Meta's limit for its place.
func ruleLengths(t *Template) []Finding {
	var out []Finding
	check := func(code, field, s string, max int) {
		if n := utf8.RuneCountInString(s); n > max {
			out = append(out, finding(code, Block, field, n, max))
		}
	}
	for _, c := range t.Components {
		switch c.Type {
		case "BODY":
			check("length.body", c.Field("text"), c.Text, maxBodyLength)
		case "HEADER":
			check("length.header", c.Field("text"), c.Text, maxHeaderLength)
		case "FOOTER":
			check("length.footer", c.Field("text"), c.Text, maxFooterLength)
		}
		for _, b := range c.Buttons {
			check("length.button_text", buttonField(c, b, "text"), b.Text, maxButtonTextLength)
			check("length.url", buttonField(c, b, "url"), b.URL, maxURLLength)
		}
	}
	return out
}
