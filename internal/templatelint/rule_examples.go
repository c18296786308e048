package templatelint

import (
	"slices"
	"strings"
)

// ruleExamples: Meta requires a sample for every variable (header, body,
// URL button) and for a media header, in the shape of the template's
// parameter format.
func ruleExamples(t *Template) []Finding {
	var out []Finding
	for _, c := range t.Components {
		switch c.Type {
		case "HEADER":
			out = append(out, headerExamples(t, c)...)
		case "BODY":
			out = append(out, bodyExamples(t, c)...)
		case "BUTTONS":
			for _, b := range c.Buttons {
				if b.Type != "URL" {
					continue
				}
				vars, _ := scan(b.URL)
				if len(vars) == 0 {
					continue
				}
				field := buttonField(c, b, "example")
				switch {
				case len(b.Example) == 0:
					out = append(out, finding("examples.missing", Block, field, "url"))
				case slices.ContainsFunc(b.Example, blank):
					out = append(out, finding("examples.empty", Block, field))
				}
			}
		}
	}
	return out
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func headerExamples(t *Template, c Component) []Finding {
	field := c.Field("example")
	switch c.Format {
	case "IMAGE", "VIDEO", "DOCUMENT":
		if c.Example == nil || len(c.Example.HeaderHandle) == 0 || slices.ContainsFunc(c.Example.HeaderHandle, blank) {
			return []Finding{finding("examples.header_handle", Block, field+".header_handle", c.Format)}
		}
		return nil
	case "TEXT":
	default:
		return nil
	}
	vars, _ := scan(c.Text)
	names := distinct(vars)
	if len(names) == 0 {
		return nil
	}
	if t.Format == Named {
		return namedExampleFindings(names, exampleNamed(c.Example, true), field+".header_text_named_params")
	}
	var got []string
	if c.Example != nil {
		got = c.Example.HeaderText
	}
	return positionalExampleFindings(names, got, field+".header_text")
}

func bodyExamples(t *Template, c Component) []Finding {
	field := c.Field("example")
	vars, _ := scan(c.Text)
	names := distinct(vars)
	if len(names) == 0 {
		return nil
	}
	if t.Format == Named {
		return namedExampleFindings(names, exampleNamed(c.Example, false), field+".body_text_named_params")
	}
	if c.Example == nil || len(c.Example.BodyText) == 0 {
		return []Finding{finding("examples.missing", Block, field+".body_text", braced(names))}
	}
	var out []Finding
	for _, row := range c.Example.BodyText {
		if f := positionalExampleFindings(names, row, field+".body_text"); len(f) > 0 {
			out = append(out, f...)
			break
		}
	}
	return out
}

func exampleNamed(ex *Example, header bool) []NamedExample {
	switch {
	case ex == nil:
		return nil
	case header:
		return ex.HeaderTextNamed
	}
	return ex.BodyTextNamed
}

func positionalExampleFindings(names, got []string, field string) []Finding {
	switch {
	case len(got) == 0:
		return []Finding{finding("examples.missing", Block, field, braced(names))}
	case len(got) != len(names):
		return []Finding{finding("examples.count", Block, field, len(got), len(names))}
	case slices.ContainsFunc(got, blank):
		return []Finding{finding("examples.empty", Block, field)}
	}
	return nil
}

func namedExampleFindings(names []string, got []NamedExample, field string) []Finding {
	if len(got) == 0 {
		return []Finding{finding("examples.missing", Block, field, braced(names))}
	}
	var out []Finding
	for _, n := range names {
		i := slices.IndexFunc(got, func(e NamedExample) bool { return e.ParamName == n })
		switch {
		case i < 0:
			out = append(out, finding("examples.names", Block, field, n))
		case blank(got[i].Example):
			out = append(out, finding("examples.empty", Block, field))
		}
	}
	return out
}
