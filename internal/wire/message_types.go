package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// Text is a plain text message.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// Media is an uploaded media id or a public link, used by media messages,
// template header parameters and interactive headers.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Location is a location message or a template location parameter.
type Location struct {
	Latitude  *Coordinate `json:"latitude,omitempty"`
	Longitude *Coordinate `json:"longitude,omitempty"`
	Name      string      `json:"name,omitempty"`
	Address   string      `json:"address,omitempty"`
}

// Coordinate is a latitude or longitude. Meta's older examples send them as
// strings, its newer ones as numbers; both are accepted.
type Coordinate float64

// UnmarshalJSON accepts a JSON number or a string holding one.
func (c *Coordinate) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	orig := b
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// A type error, not a plain one, so the decoder adds the field path.
		return &json.UnmarshalTypeError{Value: jsonValueKind(orig), Type: reflect.TypeFor[Coordinate]()}
	}
	*c = Coordinate(f)
	return nil
}

// jsonValueKind names the kind of a JSON value for an error message.
func jsonValueKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string " + string(b)
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number " + string(b)
}

// Reaction reacts to, or with an empty Emoji un-reacts to, a message.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// Template is a template message.
type Template struct {
	Name       string              `json:"name"`
	Language   *TemplateLanguage   `json:"language,omitempty"`
	Components []TemplateComponent `json:"components,omitempty"`
}

// TemplateLanguage selects the template's translation.
type TemplateLanguage struct {
	Code   string `json:"code"`
	Policy string `json:"policy,omitempty"`
}

// TemplateComponent fills the variables of one part of a template.
type TemplateComponent struct {
	Type       string              `json:"type"`
	SubType    string              `json:"sub_type,omitempty"`
	Index      *TemplateIndex      `json:"index,omitempty"`
	Parameters []TemplateParameter `json:"parameters,omitempty"`
}

// TemplateIndex is a button's position. Meta's examples send it both as a
// string ("0") and as a number (0); both are accepted.
type TemplateIndex string

// UnmarshalJSON accepts a JSON string or an integer.
func (i *TemplateIndex) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*i = TemplateIndex(s)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[TemplateIndex]()}
	}
	*i = TemplateIndex(strconv.FormatInt(n, 10))
	return nil
}

// TemplateParameter is the value of one template variable.
type TemplateParameter struct {
	Type string `json:"type"`
	// ParameterName names the variable of a template with named parameters;
	// empty for positional ({{1}}) ones.
	ParameterName string          `json:"parameter_name,omitempty"`
	Text          string          `json:"text,omitempty"`
	Currency      *Currency       `json:"currency,omitempty"`
	DateTime      *DateTime       `json:"date_time,omitempty"`
	Image         *Media          `json:"image,omitempty"`
	Video         *Media          `json:"video,omitempty"`
	Document      *Media          `json:"document,omitempty"`
	Location      *Location       `json:"location,omitempty"`
	Payload       string          `json:"payload,omitempty"`
	CouponCode    string          `json:"coupon_code,omitempty"`
	Action        json.RawMessage `json:"action,omitempty"`
}

// Currency is a localised amount; Amount1000 is the amount times 1000.
type Currency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`
	Amount1000    *int64 `json:"amount_1000,omitempty"`
}

// DateTime is a localised date; Cloud API shows FallbackValue as given.
type DateTime struct {
	FallbackValue string `json:"fallback_value"`
}

// Interactive is an interactive message (reply buttons, list, CTA URL,
// product, flow and others).
type Interactive struct {
	Type   string             `json:"type"`
	Header *InteractiveHeader `json:"header,omitempty"`
	Body   *InteractiveText   `json:"body,omitempty"`
	Footer *InteractiveText   `json:"footer,omitempty"`
	Action *InteractiveAction `json:"action,omitempty"`
}

// InteractiveHeader is the header of an interactive message.
type InteractiveHeader struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Image    *Media `json:"image,omitempty"`
	Video    *Media `json:"video,omitempty"`
	Document *Media `json:"document,omitempty"`
}

// InteractiveText is the body or footer of an interactive message.
type InteractiveText struct {
	Text string `json:"text"`
}

// InteractiveAction is what the user can do with an interactive message.
type InteractiveAction struct {
	// Button is the label of a list message's menu button.
	Button   string        `json:"button,omitempty"`
	Buttons  []ReplyButton `json:"buttons,omitempty"`
	Sections []ListSection `json:"sections,omitempty"`
	Name     string        `json:"name,omitempty"`
	// Parameters depends on Name (cta_url, flow, catalog_message,
	// review_and_pay…); see CTAURLParameters for cta_url.
	Parameters        json.RawMessage `json:"parameters,omitempty"`
	CatalogID         string          `json:"catalog_id,omitempty"`
	ProductRetailerID string          `json:"product_retailer_id,omitempty"`
}

// ReplyButton is one quick-reply button.
type ReplyButton struct {
	Type  string      `json:"type"`
	Reply *ReplyTitle `json:"reply,omitempty"`
}

// ReplyTitle is the id returned when the user taps a button, and its label.
type ReplyTitle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ListSection is one section of a list or multi-product message.
type ListSection struct {
	Title        string        `json:"title,omitempty"`
	Rows         []ListRow     `json:"rows,omitempty"`
	ProductItems []ProductItem `json:"product_items,omitempty"`
}

// ListRow is one choice of a list message.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// ProductItem is one product of a multi-product message.
type ProductItem struct {
	ProductRetailerID string `json:"product_retailer_id"`
}

// CTAURLParameters are the parameters of a cta_url action.
type CTAURLParameters struct {
	DisplayText string `json:"display_text"`
	URL         string `json:"url"`
}

// Contact is one contact card of a contacts message.
type Contact struct {
	Name      *ContactName     `json:"name,omitempty"`
	Phones    []ContactPhone   `json:"phones,omitempty"`
	Emails    []ContactEmail   `json:"emails,omitempty"`
	Addresses []ContactAddress `json:"addresses,omitempty"`
	Org       *ContactOrg      `json:"org,omitempty"`
	URLs      []ContactURL     `json:"urls,omitempty"`
	Birthday  string           `json:"birthday,omitempty"`
}

// ContactName is a contact's name; FormattedName is required.
type ContactName struct {
	FormattedName string `json:"formatted_name"`
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	MiddleName    string `json:"middle_name,omitempty"`
	Suffix        string `json:"suffix,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
}

// ContactPhone is a contact's phone number, with its wa_id when known.
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	Type  string `json:"type,omitempty"`
	WaID  string `json:"wa_id,omitempty"`
}

// ContactEmail is a contact's e-mail address.
type ContactEmail struct {
	Email string `json:"email,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactAddress is a contact's postal address.
type ContactAddress struct {
	Street      string `json:"street,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	Type        string `json:"type,omitempty"`
}

// ContactOrg is a contact's employer.
type ContactOrg struct {
	Company    string `json:"company,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}

// ContactURL is a contact's web address.
type ContactURL struct {
	URL  string `json:"url,omitempty"`
	Type string `json:"type,omitempty"`
}
