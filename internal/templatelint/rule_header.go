package templatelint

import "strings"

// ruleHeader: a header states its format; a text header has text, a media
// or location header has none; media headers need a sample (see
// ruleExamples).
func ruleHeader(t *Template) []Finding {
	c := t.component("HEADER")
	if c == nil {
		return nil
	}
	switch c.Format {
	case "":
		return []Finding{finding("header.format_missing", Block, c.Field("format"))}
	case "TEXT":
		if strings.TrimSpace(c.Text) == "" {
			return []Finding{finding("header.text_missing", Block, c.Field("text"))}
		}
	default:
		if c.HasText && c.Text != "" {
			return []Finding{finding("header.text_with_media", Block, c.Field("text"), c.Format)}
		}
	}
	return nil
}
