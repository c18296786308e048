package templatelint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// FieldError is bad input: the field (a JSON path, "" for the whole body)
// and what is wrong with it.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return "template: " + e.Reason
	}
	return fmt.Sprintf("template: %s: %s", e.Field, e.Reason)
}

// Format is how a template writes its variables.
type Format string

// Parameter formats (Meta's parameter_format; positional when absent).
const (
	Positional Format = "positional"
	Named      Format = "named"
)

// Template is a parsed creation request. Category and component, format and
// button types are upper case whatever case the request used.
type Template struct {
	Name     string
	Language string
	Category string
	// Format is Positional when the request names none.
	Format Format
	// FormatGiven is whether parameter_format was in the request.
	FormatGiven bool
	Components  []Component
}

// Component is one entry of components.
type Component struct {
	// Index is the component's position in components.
	Index int
	// Type is HEADER, BODY, FOOTER, BUTTONS, or one of the components this
	// package does not look into (CAROUSEL, LIMITED_TIME_OFFER).
	Type string
	// Format is a header's TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.
	Format  string
	Text    string
	HasText bool
	Example *Example
	Buttons []Button
	// AddSecurityRecommendation and CodeExpirationMinutes belong to
	// authentication templates (body and footer).
	AddSecurityRecommendation *bool
	CodeExpirationMinutes     *int
}

// Field is the path of one of the component's fields.
func (c Component) Field(name string) string {
	if name == "" {
		return fmt.Sprintf("components[%d]", c.Index)
	}
	return fmt.Sprintf("components[%d].%s", c.Index, name)
}

// Example holds a component's sample values, which Meta requires for every
// variable and media header.
type Example struct {
	HeaderText      []string
	HeaderTextNamed []NamedExample
	HeaderHandle    []string
	BodyText        [][]string
	BodyTextNamed   []NamedExample
}

// NamedExample is the sample of one named variable.
type NamedExample struct {
	ParamName string
	Example   string
}

// Button is one button of a BUTTONS component.
type Button struct {
	// Index is the button's position in buttons.
	Index int
	// Type is QUICK_REPLY, URL, PHONE_NUMBER, OTP, COPY_CODE, FLOW, MPM,
	// CATALOG, SPM or VOICE_CALL.
	Type        string
	Text        string
	URL         string
	PhoneNumber string
	Example     []string
	// OTPType is an OTP button's COPY_CODE, ONE_TAP or ZERO_TAP.
	OTPType       string
	PackageName   string
	SignatureHash string
	SupportedApps int
}

// componentTypes are the component types Meta's creation API takes.
// CAROUSEL and LIMITED_TIME_OFFER are accepted but not looked into.
var componentTypes = []string{"HEADER", "BODY", "FOOTER", "BUTTONS", "CAROUSEL", "LIMITED_TIME_OFFER"}

// headerFormats are the header formats of Meta's template components.
var headerFormats = []string{"TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"}

// buttonTypes are the button types of Meta's template components.
var buttonTypes = []string{"QUICK_REPLY", "URL", "PHONE_NUMBER", "OTP", "COPY_CODE", "FLOW", "MPM", "CATALOG", "SPM", "VOICE_CALL"}

// The fields each level of the request may hold. Meta documents more
// optional fields than the lint reads; they are accepted and passed on, and
// anything else is refused so a typo ("componets") is named, not ignored.
var (
	topFields = []string{"name", "language", "category", "parameter_format", "components",
		"allow_category_change", "message_send_ttl_seconds", "sub_category",
		"cta_url_link_tracking_opted_out", "library_template_name",
		"library_template_body_inputs", "library_template_button_inputs", "display_format"}
	componentFields = []string{"type", "format", "text", "example", "buttons",
		"add_security_recommendation", "code_expiration_minutes", "cards", "limited_time_offer"}
	exampleFields = []string{"header_text", "header_text_named_params", "header_handle",
		"body_text", "body_text_named_params"}
	buttonFields = []string{"type", "text", "url", "phone_number", "example", "otp_type",
		"autofill_text", "package_name", "signature_hash", "supported_apps",
		"zero_tap_terms_accepted", "flow_id", "flow_name", "flow_json", "flow_action",
		"navigate_screen", "icon"}
)

// maxTemplateBody bounds what Parse reads: a template is a few kilobytes.
const maxTemplateBody = 256 << 10

// Parse reads a creation request strictly: valid UTF-8 JSON without
// duplicate keys, every field known and of its type, every component and
// button of a known type. Errors are *FieldError.
func Parse(body []byte) (*Template, error) {
	if len(body) > maxTemplateBody {
		return nil, &FieldError{Reason: fmt.Sprintf("the body exceeds %d bytes", maxTemplateBody)}
	}
	if err := wire.CheckJSON(body, wire.SendJSONLimits); err != nil {
		return nil, &FieldError{Reason: "the body is not valid JSON: " + err.Error()}
	}
	top, err := object(body, "")
	if err != nil {
		return nil, err
	}
	if err := known(top, topFields, ""); err != nil {
		return nil, err
	}
	t := &Template{Format: Positional}
	var ok bool
	if t.Name, ok, err = str(top, "name", ""); err != nil {
		return nil, err
	} else if !ok {
		return nil, &FieldError{Field: "name", Reason: "is required"}
	}
	if t.Language, ok, err = str(top, "language", ""); err != nil {
		return nil, err
	} else if !ok {
		return nil, &FieldError{Field: "language", Reason: "is required"}
	}
	if t.Category, ok, err = str(top, "category", ""); err != nil {
		return nil, err
	} else if !ok {
		return nil, &FieldError{Field: "category", Reason: "is required"}
	}
	t.Category = strings.ToUpper(t.Category)
	if f, ok, err := str(top, "parameter_format", ""); err != nil {
		return nil, err
	} else if ok {
		switch strings.ToLower(f) {
		case "positional":
		case "named":
			t.Format = Named
		default:
			return nil, &FieldError{Field: "parameter_format", Reason: fmt.Sprintf("%q is not positional or named", f)}
		}
		t.FormatGiven = true
	}
	// Fields the rules do not read are still type-checked, so Meta never
	// gets a value the lint could not have read.
	if err := boolean(top, "allow_category_change", "", new(*bool)); err != nil {
		return nil, err
	}
	if err := integer(top, "message_send_ttl_seconds", "", new(*int)); err != nil {
		return nil, err
	}
	raw, ok := top["components"]
	if !ok || isNull(raw) {
		return nil, &FieldError{Field: "components", Reason: "is required"}
	}
	items, err := array(raw, "components")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, &FieldError{Field: "components", Reason: "must hold at least one component"}
	}
	for i, item := range items {
		c, err := parseComponent(i, item)
		if err != nil {
			return nil, err
		}
		t.Components = append(t.Components, c)
	}
	return t, nil
}

func parseComponent(i int, raw json.RawMessage) (Component, error) {
	c := Component{Index: i}
	path := c.Field("")
	m, err := object(raw, path)
	if err != nil {
		return c, err
	}
	if err := known(m, componentFields, path); err != nil {
		return c, err
	}
	typ, ok, err := str(m, "type", path)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, &FieldError{Field: c.Field("type"), Reason: "is required"}
	}
	c.Type = strings.ToUpper(typ)
	if !slices.Contains(componentTypes, c.Type) {
		return c, &FieldError{Field: c.Field("type"), Reason: fmt.Sprintf("%q is not a component type (%s)", typ, strings.Join(componentTypes, ", "))}
	}
	if f, ok, err := str(m, "format", path); err != nil {
		return c, err
	} else if ok {
		c.Format = strings.ToUpper(f)
		if c.Type != "HEADER" {
			return c, &FieldError{Field: c.Field("format"), Reason: "only a HEADER has a format"}
		}
		if !slices.Contains(headerFormats, c.Format) {
			return c, &FieldError{Field: c.Field("format"), Reason: fmt.Sprintf("%q is not a header format (%s)", f, strings.Join(headerFormats, ", "))}
		}
	}
	if c.Text, c.HasText, err = str(m, "text", path); err != nil {
		return c, err
	}
	if err := boolean(m, "add_security_recommendation", path, &c.AddSecurityRecommendation); err != nil {
		return c, err
	}
	if err := integer(m, "code_expiration_minutes", path, &c.CodeExpirationMinutes); err != nil {
		return c, err
	}
	if raw, ok := m["example"]; ok && !isNull(raw) {
		ex, err := parseExample(raw, c.Field("example"))
		if err != nil {
			return c, err
		}
		c.Example = ex
	}
	if raw, ok := m["buttons"]; ok && !isNull(raw) {
		if c.Type != "BUTTONS" {
			return c, &FieldError{Field: c.Field("buttons"), Reason: "only a BUTTONS component has buttons"}
		}
		items, err := array(raw, c.Field("buttons"))
		if err != nil {
			return c, err
		}
		for j, item := range items {
			b, err := parseButton(j, item, fmt.Sprintf("%s[%d]", c.Field("buttons"), j))
			if err != nil {
				return c, err
			}
			c.Buttons = append(c.Buttons, b)
		}
	} else if c.Type == "BUTTONS" {
		return c, &FieldError{Field: c.Field("buttons"), Reason: "is required in a BUTTONS component"}
	}
	return c, nil
}

func parseExample(raw json.RawMessage, path string) (*Example, error) {
	m, err := object(raw, path)
	if err != nil {
		return nil, err
	}
	if err := known(m, exampleFields, path); err != nil {
		return nil, err
	}
	ex := &Example{}
	if ex.HeaderText, err = strings1(m, "header_text", path); err != nil {
		return nil, err
	}
	if ex.HeaderHandle, err = strings1(m, "header_handle", path); err != nil {
		return nil, err
	}
	if raw, ok := m["body_text"]; ok && !isNull(raw) {
		rows, err := array(raw, path+".body_text")
		if err != nil {
			return nil, err
		}
		for i, row := range rows {
			vals, err := stringArray(row, fmt.Sprintf("%s.body_text[%d]", path, i))
			if err != nil {
				return nil, err
			}
			ex.BodyText = append(ex.BodyText, vals)
		}
	}
	if ex.HeaderTextNamed, err = namedExamples(m, "header_text_named_params", path); err != nil {
		return nil, err
	}
	if ex.BodyTextNamed, err = namedExamples(m, "body_text_named_params", path); err != nil {
		return nil, err
	}
	return ex, nil
}

func namedExamples(m map[string]json.RawMessage, key, path string) ([]NamedExample, error) {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return nil, nil
	}
	path += "." + key
	items, err := array(raw, path)
	if err != nil {
		return nil, err
	}
	var out []NamedExample
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		o, err := object(item, p)
		if err != nil {
			return nil, err
		}
		if err := known(o, []string{"param_name", "example"}, p); err != nil {
			return nil, err
		}
		var ne NamedExample
		if ne.ParamName, _, err = str(o, "param_name", p); err != nil {
			return nil, err
		}
		if ne.Example, _, err = str(o, "example", p); err != nil {
			return nil, err
		}
		out = append(out, ne)
	}
	return out, nil
}

func parseButton(i int, raw json.RawMessage, path string) (Button, error) {
	b := Button{Index: i}
	m, err := object(raw, path)
	if err != nil {
		return b, err
	}
	if err := known(m, buttonFields, path); err != nil {
		return b, err
	}
	typ, ok, err := str(m, "type", path)
	if err != nil {
		return b, err
	}
	if !ok {
		return b, &FieldError{Field: path + ".type", Reason: "is required"}
	}
	b.Type = strings.ToUpper(typ)
	if !slices.Contains(buttonTypes, b.Type) {
		return b, &FieldError{Field: path + ".type", Reason: fmt.Sprintf("%q is not a button type (%s)", typ, strings.Join(buttonTypes, ", "))}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"text", &b.Text}, {"url", &b.URL}, {"phone_number", &b.PhoneNumber}, {"otp_type", &b.OTPType},
		{"package_name", &b.PackageName}, {"signature_hash", &b.SignatureHash}} {
		if *f.dst, _, err = str(m, f.key, path); err != nil {
			return b, err
		}
	}
	b.OTPType = strings.ToUpper(b.OTPType)
	// The example of a URL button is a list of strings; Meta also takes a
	// single string.
	if raw, ok := m["example"]; ok && !isNull(raw) {
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return b, &FieldError{Field: path + ".example", Reason: "must be a string or a list of strings"}
			}
			b.Example = []string{s}
		} else if b.Example, err = stringArray(raw, path+".example"); err != nil {
			return b, err
		}
	}
	if raw, ok := m["supported_apps"]; ok && !isNull(raw) {
		apps, err := array(raw, path+".supported_apps")
		if err != nil {
			return b, err
		}
		b.SupportedApps = len(apps)
	}
	return b, nil
}

// Decoding helpers: each names the field on a type error.

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func object(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) || json.Unmarshal(raw, &m) != nil {
		return nil, &FieldError{Field: path, Reason: "must be a JSON object"}
	}
	return m, nil
}

func array(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	var a []json.RawMessage
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) || json.Unmarshal(raw, &a) != nil {
		return nil, &FieldError{Field: path, Reason: "must be a JSON array"}
	}
	return a, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// known refuses a member not in fields, naming the first in sorted order so
// the error is the same on every run.
func known(m map[string]json.RawMessage, fields []string, path string) error {
	var unknown []string
	for k := range m {
		if !slices.Contains(fields, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return &FieldError{Field: join(path, unknown[0]), Reason: "is not a field of a template creation request"}
}

func str(m map[string]json.RawMessage, key, path string) (string, bool, error) {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, &FieldError{Field: join(path, key), Reason: "must be a string"}
	}
	return s, true, nil
}

func boolean(m map[string]json.RawMessage, key, path string, dst **bool) error {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return nil
	}
	var v bool
	if err := json.Unmarshal(raw, &v); err != nil {
		return &FieldError{Field: join(path, key), Reason: "must be true or false"}
	}
	*dst = &v
	return nil
}

func integer(m map[string]json.RawMessage, key, path string, dst **int) error {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return nil
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return &FieldError{Field: join(path, key), Reason: "must be an integer"}
	}
	*dst = &v
	return nil
}

func stringArray(raw json.RawMessage, path string) ([]string, error) {
	items, err := array(raw, path)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		var s string
		if err := json.Unmarshal(item, &s); err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("%s[%d]", path, i), Reason: "must be a string"}
		}
		out = append(out, s)
	}
	return out, nil
}

func strings1(m map[string]json.RawMessage, key, path string) ([]string, error) {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return nil, nil
	}
	return stringArray(raw, join(path, key))
}

// FormBody turns a form-encoded creation request (Graph takes
// application/x-www-form-urlencoded as well as JSON) into the JSON Parse
// reads: components and the other JSON-valued fields as JSON, the rest as
// strings. A field given twice is bad input.
func FormBody(form map[string][]string) ([]byte, error) {
	obj := make(map[string]json.RawMessage, len(form))
	for k, vs := range form {
		if len(vs) != 1 {
			return nil, &FieldError{Field: k, Reason: "is given more than once"}
		}
		v := vs[0]
		switch k {
		case "components", "allow_category_change", "message_send_ttl_seconds",
			"cta_url_link_tracking_opted_out", "library_template_body_inputs", "library_template_button_inputs":
			if !json.Valid([]byte(v)) {
				return nil, &FieldError{Field: k, Reason: "must be JSON"}
			}
			obj[k] = json.RawMessage(v)
		default:
			s, err := json.Marshal(v)
			if err != nil {
				return nil, &FieldError{Field: k, Reason: "is not text"}
			}
			obj[k] = s
		}
	}
	return json.Marshal(obj)
}
