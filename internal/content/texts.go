package content

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Text is one text of a message, with the request field it came from.
type Text struct {
	Field string
	Value string
}

// Link is a link with the words shown for it (a cta_url button).
type Link struct {
	Field string
	Shown string
	URL   string
}

// Message is what of a send request the person will read.
type Message struct {
	Texts []Text
	Links []Link
}

// FromRequest extracts the texts of r: the text body, a media caption, an
// interactive message's header, body, footer, button and row titles, and
// a template's parameters. When templateBody (the template's body text,
// with {{1}} or {{name}} placeholders) is known, the body is given with its
// parameters filled in and the body parameters are not repeated.
func FromRequest(r *wire.SendRequest, templateBody string) Message {
	var m Message
	add := func(field, v string) {
		if strings.TrimSpace(v) != "" {
			m.Texts = append(m.Texts, Text{Field: field, Value: v})
		}
	}
	if r == nil {
		return m
	}
	if r.Text != nil {
		add("text.body", r.Text.Body)
	}
	for _, md := range []struct {
		name string
		m    *wire.Media
	}{{"image", r.Image}, {"video", r.Video}, {"document", r.Document}, {"audio", r.Audio}} {
		if md.m != nil {
			add(md.name+".caption", md.m.Caption)
		}
	}
	if in := r.Interactive; in != nil {
		if in.Header != nil {
			add("interactive.header.text", in.Header.Text)
			for _, md := range []*wire.Media{in.Header.Image, in.Header.Video, in.Header.Document} {
				if md != nil {
					add("interactive.header.caption", md.Caption)
				}
			}
		}
		if in.Body != nil {
			add("interactive.body.text", in.Body.Text)
		}
		if in.Footer != nil {
			add("interactive.footer.text", in.Footer.Text)
		}
		if a := in.Action; a != nil {
			add("interactive.action.button", a.Button)
			for i, b := range a.Buttons {
				if b.Reply != nil {
					add(fmt.Sprintf("interactive.action.buttons[%d].reply.title", i), b.Reply.Title)
				}
			}
			for i, s := range a.Sections {
				add(fmt.Sprintf("interactive.action.sections[%d].title", i), s.Title)
				for j, row := range s.Rows {
					add(fmt.Sprintf("interactive.action.sections[%d].rows[%d].title", i, j), row.Title)
					add(fmt.Sprintf("interactive.action.sections[%d].rows[%d].description", i, j), row.Description)
				}
			}
			if a.Name == "cta_url" && len(a.Parameters) > 0 {
				var p wire.CTAURLParameters
				if json.Unmarshal(a.Parameters, &p) == nil {
					add("interactive.action.parameters.display_text", p.DisplayText)
					if p.URL != "" {
						m.Links = append(m.Links, Link{Field: "interactive.action.parameters", Shown: p.DisplayText, URL: p.URL})
					}
				}
			}
		}
	}
	if t := r.Template; t != nil {
		for i, c := range t.Components {
			body := strings.EqualFold(c.Type, "body")
			if body && templateBody != "" {
				add("template.body", FillTemplate(templateBody, c.Parameters))
				continue
			}
			for j, p := range c.Parameters {
				add(fmt.Sprintf("template.components[%d].parameters[%d]", i, j), paramText(p))
			}
		}
		if templateBody != "" && !hasBody(t) {
			add("template.body", templateBody)
		}
	}
	return m
}

func hasBody(t *wire.Template) bool {
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, "body") {
			return true
		}
	}
	return false
}

// paramText is what the person sees of a parameter.
func paramText(p wire.TemplateParameter) string {
	switch {
	case p.Text != "":
		return p.Text
	case p.Currency != nil:
		return p.Currency.FallbackValue
	case p.DateTime != nil:
		return p.DateTime.FallbackValue
	case p.CouponCode != "":
		return p.CouponCode
	}
	return ""
}

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// FillTemplate puts params into body's placeholders: {{1}} takes the first
// parameter, {{name}} the one with that parameter_name. A placeholder with
// no parameter is left as written.
func FillTemplate(body string, params []wire.TemplateParameter) string {
	named := map[string]string{}
	for _, p := range params {
		if p.ParameterName != "" {
			named[p.ParameterName] = paramText(p)
		}
	}
	return placeholder.ReplaceAllStringFunc(body, func(ph string) string {
		key := placeholder.FindStringSubmatch(ph)[1]
		if v, ok := named[key]; ok {
			return v
		}
		if n, err := strconv.Atoi(key); err == nil && n >= 1 && n <= len(params) {
			return paramText(params[n-1])
		}
		return ph
	})
}
