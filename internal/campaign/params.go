package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// param is one body parameter of a campaign's template, filled per contact:
//
//	"{{name}}"        the contact's name
//	"{{language}}"    the contact's language
//	"{{phone}}"       the contact's number (E.164)
//	"{{attr.order}}"  the contact's custom attribute "order" (a string, a
//	                  number or a boolean, written as text)
//	anything else     literal text, the same for everyone
//
// A contact for whom an expression is empty or absent is refused with
// campaign.param_missing rather than sent a template with a hole in it.
type param struct {
	literal string
	field   string // name, language, phone, attr
	attr    string
}

const maxParamLen = 1024

func parseParam(p string) (param, error) {
	if p == "" || len(p) > maxParamLen {
		return param{}, fmt.Errorf("a parameter is 1 to %d bytes", maxParamLen)
	}
	expr, ok := splitParam(p)
	if !ok {
		return param{literal: p}, nil
	}
	switch {
	case expr == "name" || expr == "language" || expr == "phone":
		return param{field: expr}, nil
	case strings.HasPrefix(expr, "attr.") && len(expr) > len("attr."):
		return param{field: "attr", attr: expr[len("attr."):]}, nil
	}
	return param{}, errors.New(`an expression is {{name}}, {{language}}, {{phone}} or {{attr.NAME}}`)
}

// String is the parameter as written.
func (p param) String() string {
	switch p.field {
	case "":
		return p.literal
	case "attr":
		return "{{attr." + p.attr + "}}"
	}
	return "{{" + p.field + "}}"
}

// value fills p for a contact; "" when the contact lacks it.
func (p param) value(c store.Contact, attrs map[string]json.RawMessage) string {
	switch p.field {
	case "":
		return p.literal
	case "name":
		return c.Name
	case "language":
		return c.Language
	case "phone":
		return c.E164
	}
	v, ok := attrs[p.attr]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return fmt.Sprint(b)
	}
	return "" // an object, an array or null fills no text parameter
}

// buildRequest builds the Graph send request of a campaign's template to a
// contact, or names the first parameter the contact lacks.
func buildRequest(c store.Campaign, params []param, ct store.Contact) ([]byte, string, error) {
	var attrs map[string]json.RawMessage
	if len(ct.Attributes) > 0 {
		_ = json.Unmarshal(ct.Attributes, &attrs) // a contact's attributes are a JSON object by construction
	}
	tpl := &wire.Template{Name: c.TemplateName, Language: &wire.TemplateLanguage{Code: c.TemplateLanguage}}
	if len(params) > 0 {
		body := wire.TemplateComponent{Type: "body"}
		for _, p := range params {
			v := p.value(ct, attrs)
			if v == "" {
				return nil, p.String(), nil
			}
			body.Parameters = append(body.Parameters, wire.TemplateParameter{Type: "text", Text: v})
		}
		tpl.Components = []wire.TemplateComponent{body}
	}
	to := ct.E164
	if to == "" {
		to = "+" + ct.WaID
	}
	b, err := json.Marshal(wire.SendRequest{MessagingProduct: "whatsapp", To: to, Type: wire.TypeTemplate, Template: tpl})
	if err != nil {
		return nil, "", fmt.Errorf("campaign: encode request: %w", err)
	}
	return b, "", nil
}
