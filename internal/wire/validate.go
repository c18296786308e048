package wire

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the send API (meta-platform.md §3.1). Lengths count Unicode
// characters, which is what Meta's documentation states.
const (
	MaxTextBody           = 4096
	MaxCaption            = 1024
	MaxInteractiveBody    = 1024
	MaxInteractiveHeader  = 60
	MaxInteractiveFooter  = 60
	MaxReplyButtons       = 3
	MaxReplyButtonTitle   = 20
	MaxReplyButtonID      = 256
	MaxListButton         = 20
	MaxListSections       = 10
	MaxListRows           = 10
	MaxListSectionTitle   = 24
	MaxListRowTitle       = 24
	MaxListRowDescription = 72
	MaxListRowID          = 200
	MaxCTADisplayText     = 20
	MaxBizOpaqueCallback  = 512
)

// SupportedTypes lists the message types the send endpoint accepts, in the
// order an error message names them.
var SupportedTypes = []string{
	TypeText, TypeTemplate, TypeImage, TypeVideo, TypeAudio, TypeDocument,
	TypeSticker, TypeInteractive, TypeLocation, TypeContacts, TypeReaction,
}

// Interactive message types Cloud API documents. Only button, list and
// cta_url are checked in depth; the others are commerce and flow features
// whose rules depend on catalogue and flow state the gateway does not hold.
var interactiveTypes = []string{
	"button", "list", "cta_url", "product", "product_list", "catalog_message",
	"flow", "order_details", "order_status", "location_request_message",
	"address_message", "call_permission_request", "voice_call", "carousel",
}

// Template component and parameter types Cloud API documents. Meta accepts
// them in any case ("BODY", "body").
var (
	componentTypes = []string{"header", "body", "footer", "button", "buttons", "carousel", "limited_time_offer"}
	parameterTypes = []string{
		"text", "currency", "date_time", "image", "video", "document", "location",
		"payload", "action", "coupon_code", "product", "limited_time_offer",
		"order_status", "tap_target_configuration", "expiration_time_ms",
	}
)

// param is a parameter path in Meta's notation: text['body'].
type param string

func (p param) key(k string) param { return p + param("['"+k+"']") }
func (p param) idx(i int) param    { return p + param(fmt.Sprintf("[%d]", i)) }

func missing(p param) *Error {
	return Errorf(CodeMissingParameter, "The parameter %s is required.", p)
}

func tooLong(p param, limit int) *Error {
	return Errorf(CodeInvalidParameter, "Param %s must be at most %d characters long.", p, limit)
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// Validate checks a decoded request against Cloud API's rules and returns
// the first violation as the Graph error Meta would return.
func (r *SendRequest) Validate() *Error {
	switch r.MessagingProduct {
	case "whatsapp":
	case "":
		return Errorf(CodeInvalidParameter, "The parameter messaging_product is required.")
	default:
		return Errorf(CodeInvalidParameter, "Param messaging_product must be one of {whatsapp} - got %q.", r.MessagingProduct)
	}
	if r.Status != "" || r.MessageID != "" {
		return r.validateMarkRead()
	}
	switch r.RecipientType {
	case "", "individual", "group":
	default:
		return Errorf(CodeInvalidParameter, "Param recipient_type must be one of {individual, group} - got %q.", r.RecipientType)
	}
	if strings.TrimSpace(r.To) == "" {
		return missing("to")
	}
	if e := validateTo(r.RecipientType, r.To); e != nil {
		return e
	}
	if r.Context != nil && r.Context.MessageID == "" {
		return missing(param("context").key("message_id"))
	}
	if runes(r.BizOpaqueCallbackData) > MaxBizOpaqueCallback {
		return tooLong("biz_opaque_callback_data", MaxBizOpaqueCallback)
	}
	if r.Type == "" {
		// Meta documents type as optional, defaulting to text; its own
		// "Send Text Message with Preview URL" example relies on that.
		if r.Text == nil {
			return missing("type")
		}
		r.Type = TypeText
	}
	switch r.Type {
	case TypeText:
		return validateText(r.Text)
	case TypeTemplate:
		return validateTemplate(r.Template)
	case TypeImage, TypeVideo, TypeAudio, TypeDocument, TypeSticker:
		m := r.Media()
		if m == nil {
			return missing(param(r.Type))
		}
		return validateMedia(param(r.Type), m, r.Type == TypeImage || r.Type == TypeVideo || r.Type == TypeDocument)
	case TypeInteractive:
		return validateInteractive(r.Interactive)
	case TypeLocation:
		if r.Location == nil {
			return missing(TypeLocation)
		}
		return validateLocation(TypeLocation, r.Location)
	case TypeContacts:
		return validateContacts(r.Contacts)
	case TypeReaction:
		if r.Reaction == nil {
			return missing(TypeReaction)
		}
		if r.Reaction.MessageID == "" {
			return missing(param(TypeReaction).key("message_id"))
		}
		// An empty emoji removes a reaction, so it is not required.
		return nil
	}
	return Errorf(CodeUnsupportedType, "Message type %q is not supported; supported types are %s.", r.Type, strings.Join(SupportedTypes, ", "))
}

func (r *SendRequest) validateMarkRead() *Error {
	if r.Status != "read" {
		return Errorf(CodeInvalidParameter, "Param status must be one of {read} - got %q.", r.Status)
	}
	if r.MessageID == "" {
		return missing("message_id")
	}
	if r.TypingIndicator != nil && r.TypingIndicator.Type != "text" {
		return Errorf(CodeInvalidParameter, "Param typing_indicator['type'] must be one of {text} - got %q.", r.TypingIndicator.Type)
	}
	return nil
}

func validateText(t *Text) *Error {
	if t == nil {
		return missing(TypeText)
	}
	if t.Body == "" {
		return missing(param(TypeText).key("body"))
	}
	if runes(t.Body) > MaxTextBody {
		return tooLong(param(TypeText).key("body"), MaxTextBody)
	}
	return nil
}

// validateMedia checks a media object: exactly one of id and link, an
// http(s) link, and a caption within limits where captions are allowed.
func validateMedia(p param, m *Media, captioned bool) *Error {
	switch {
	case m.ID == "" && m.Link == "":
		return Errorf(CodeMissingParameter, "The parameter %s requires one of id or link.", p)
	case m.ID != "" && m.Link != "":
		return Errorf(CodeParameterInvalid, "Param %s must have either id or link, not both.", p)
	case m.Link != "":
		if e := validateURL(p.key("link"), m.Link); e != nil {
			return e
		}
	}
	if captioned && runes(m.Caption) > MaxCaption {
		return tooLong(p.key("caption"), MaxCaption)
	}
	return nil
}

// validateURL requires an absolute http or https URL with a host, as Meta
// fetches links itself.
func validateURL(p param, s string) *Error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Errorf(CodeParameterInvalid, "Param %s must be an absolute http or https URL, got %q.", p, s)
	}
	return nil
}

func validateLocation(p param, l *Location) *Error {
	if l.Latitude == nil {
		return missing(p.key("latitude"))
	}
	if l.Longitude == nil {
		return missing(p.key("longitude"))
	}
	if lat := float64(*l.Latitude); lat < -90 || lat > 90 {
		return Errorf(CodeParameterInvalid, "Param %s must be between -90 and 90, got %g.", p.key("latitude"), lat)
	}
	if lon := float64(*l.Longitude); lon < -180 || lon > 180 {
		return Errorf(CodeParameterInvalid, "Param %s must be between -180 and 180, got %g.", p.key("longitude"), lon)
	}
	return nil
}

func validateContacts(cs []Contact) *Error {
	if len(cs) == 0 {
		return missing(TypeContacts)
	}
	for i, c := range cs {
		p := param(TypeContacts).idx(i)
		if c.Name == nil || strings.TrimSpace(c.Name.FormattedName) == "" {
			return missing(p.key("name").key("formatted_name"))
		}
		for j, ph := range c.Phones {
			if ph.Phone == "" && ph.WaID == "" {
				return Errorf(CodeMissingParameter, "The parameter %s requires one of phone or wa_id.", p.key("phones").idx(j))
			}
		}
	}
	return nil
}

func validateTemplate(t *Template) *Error {
	p := param(TypeTemplate)
	if t == nil {
		return missing(p)
	}
	if t.Name == "" {
		return missing(p.key("name"))
	}
	if t.Language == nil {
		return missing(p.key("language"))
	}
	if t.Language.Code == "" {
		return missing(p.key("language").key("code"))
	}
	if t.Language.Policy != "" && t.Language.Policy != "deterministic" {
		return Errorf(CodeInvalidParameter, "Param %s must be one of {deterministic} - got %q.", p.key("language").key("policy"), t.Language.Policy)
	}
	if e := validateTemplateSize(p, t); e != nil {
		return e
	}
	for i := range t.Components {
		if e := validateComponent(p.key("components").idx(i), &t.Components[i]); e != nil {
			return e
		}
	}
	return nil
}

func validateComponent(p param, c *TemplateComponent) *Error {
	typ := strings.ToLower(c.Type)
	if typ == "" {
		return missing(p.key("type"))
	}
	if !slices.Contains(componentTypes, typ) {
		return Errorf(CodeInvalidParameter, "Param %s must be one of {%s} - got %q.", p.key("type"), strings.Join(componentTypes, ", "), c.Type)
	}
	if typ == "button" {
		if c.SubType == "" {
			return missing(p.key("sub_type"))
		}
		if c.Index == nil || *c.Index == "" {
			return missing(p.key("index"))
		}
		if n, err := strconv.Atoi(string(*c.Index)); err != nil || n < 0 || n > 9 {
			return Errorf(CodeInvalidParameter, "Param %s must be a button position from 0 to 9, got %q.", p.key("index"), string(*c.Index))
		}
	}
	named, positional := 0, 0
	for i := range c.Parameters {
		pp := p.key("parameters").idx(i)
		if e := validateParameter(pp, &c.Parameters[i]); e != nil {
			return e
		}
		// Only value parameters count: a header image is positional by
		// nature and sits fine beside named body text.
		switch strings.ToLower(c.Parameters[i].Type) {
		case "text", "currency", "date_time":
			if c.Parameters[i].ParameterName != "" {
				named++
			} else {
				positional++
			}
		}
		if named > 0 && positional > 0 {
			return Errorf(CodeInvalidParameter, "Param %s mixes named (parameter_name) and positional parameters; a template uses one or the other.", p.key("parameters"))
		}
	}
	return nil
}

func validateParameter(p param, tp *TemplateParameter) *Error {
	typ := strings.ToLower(tp.Type)
	if typ == "" {
		return missing(p.key("type"))
	}
	if !slices.Contains(parameterTypes, typ) {
		return Errorf(CodeInvalidParameter, "Param %s must be one of {%s} - got %q.", p.key("type"), strings.Join(parameterTypes, ", "), tp.Type)
	}
	switch typ {
	case "text":
		if tp.Text == "" {
			return missing(p.key("text"))
		}
	case "currency":
		c := tp.Currency
		switch {
		case c == nil:
			return missing(p.key("currency"))
		case c.FallbackValue == "":
			return missing(p.key("currency").key("fallback_value"))
		case c.Code == "":
			return missing(p.key("currency").key("code"))
		case c.Amount1000 == nil:
			return missing(p.key("currency").key("amount_1000"))
		}
	case "date_time":
		if tp.DateTime == nil {
			return missing(p.key("date_time"))
		}
		if tp.DateTime.FallbackValue == "" {
			return missing(p.key("date_time").key("fallback_value"))
		}
	case "image", "video", "document":
		m := map[string]*Media{"image": tp.Image, "video": tp.Video, "document": tp.Document}[typ]
		if m == nil {
			return missing(p.key(typ))
		}
		return validateMedia(p.key(typ), m, false)
	case "location":
		if tp.Location == nil {
			return missing(p.key("location"))
		}
		return validateLocation(p.key("location"), tp.Location)
	case "payload":
		if tp.Payload == "" {
			return missing(p.key("payload"))
		}
	case "coupon_code":
		if tp.CouponCode == "" {
			return missing(p.key("coupon_code"))
		}
	case "action":
		if len(tp.Action) == 0 || string(tp.Action) == "null" {
			return missing(p.key("action"))
		}
	}
	return nil
}

func validateInteractive(in *Interactive) *Error {
	p := param(TypeInteractive)
	if in == nil {
		return missing(p)
	}
	if in.Type == "" {
		return missing(p.key("type"))
	}
	if !slices.Contains(interactiveTypes, in.Type) {
		return Errorf(CodeInvalidParameter, "Param %s must be one of {%s} - got %q.", p.key("type"), strings.Join(interactiveTypes, ", "), in.Type)
	}
	if h := in.Header; h != nil {
		if e := validateHeader(p.key("header"), h); e != nil {
			return e
		}
	}
	if in.Body != nil && runes(in.Body.Text) > MaxInteractiveBody {
		return tooLong(p.key("body").key("text"), MaxInteractiveBody)
	}
	if in.Footer != nil && runes(in.Footer.Text) > MaxInteractiveFooter {
		return tooLong(p.key("footer").key("text"), MaxInteractiveFooter)
	}
	switch in.Type {
	case "button", "list", "cta_url":
		if in.Body == nil || in.Body.Text == "" {
			return missing(p.key("body").key("text"))
		}
		if in.Action == nil {
			return missing(p.key("action"))
		}
	}
	switch in.Type {
	case "button":
		return validateButtons(p.key("action").key("buttons"), in.Action.Buttons)
	case "list":
		return validateList(p.key("action"), in.Action)
	case "cta_url":
		return validateCTAURL(p.key("action"), in.Action)
	}
	return nil
}

func validateHeader(p param, h *InteractiveHeader) *Error {
	switch h.Type {
	case "":
		return missing(p.key("type"))
	case "text":
		if h.Text == "" {
			return missing(p.key("text"))
		}
		if runes(h.Text) > MaxInteractiveHeader {
			return tooLong(p.key("text"), MaxInteractiveHeader)
		}
	case "image", "video", "document":
		m := map[string]*Media{"image": h.Image, "video": h.Video, "document": h.Document}[h.Type]
		if m == nil {
			return missing(p.key(h.Type))
		}
		return validateMedia(p.key(h.Type), m, false)
	default:
		return Errorf(CodeInvalidParameter, "Param %s must be one of {text, image, video, document} - got %q.", p.key("type"), h.Type)
	}
	return nil
}

func validateButtons(p param, bs []ReplyButton) *Error {
	if len(bs) == 0 {
		return missing(p)
	}
	if len(bs) > MaxReplyButtons {
		return Errorf(CodeParameterInvalid, "Param %s must have between 1 and %d buttons, got %d.", p, MaxReplyButtons, len(bs))
	}
	ids := make(map[string]bool, len(bs))
	titles := make(map[string]bool, len(bs))
	for i, b := range bs {
		bp := p.idx(i)
		if b.Type != "reply" {
			return Errorf(CodeInvalidParameter, "Param %s must be one of {reply} - got %q.", bp.key("type"), b.Type)
		}
		if b.Reply == nil {
			return missing(bp.key("reply"))
		}
		rp := bp.key("reply")
		switch {
		case b.Reply.ID == "":
			return missing(rp.key("id"))
		case runes(b.Reply.ID) > MaxReplyButtonID:
			return Errorf(CodeParameterInvalid, "Param %s is too long: button id length must be 1 to %d characters.", rp.key("id"), MaxReplyButtonID)
		case b.Reply.Title == "":
			return missing(rp.key("title"))
		case runes(b.Reply.Title) > MaxReplyButtonTitle:
			return Errorf(CodeParameterInvalid, "Param %s is too long: button title length must be 1 to %d characters.", rp.key("title"), MaxReplyButtonTitle)
		case ids[b.Reply.ID]:
			return Errorf(CodeParameterInvalid, "Param %s duplicates another button's id; button ids must be unique.", rp.key("id"))
		case titles[b.Reply.Title]:
			return Errorf(CodeParameterInvalid, "Param %s duplicates another button's title; button titles must be unique.", rp.key("title"))
		}
		ids[b.Reply.ID] = true
		titles[b.Reply.Title] = true
	}
	return nil
}

// validateList checks a list message. Meta caps rows at 10 in total across
// all sections, not 10 per section; the stricter reading is the safe one.
func validateList(p param, a *InteractiveAction) *Error {
	switch {
	case a.Button == "":
		return missing(p.key("button"))
	case runes(a.Button) > MaxListButton:
		return Errorf(CodeParameterInvalid, "Param %s is too long: the list button label must be 1 to %d characters.", p.key("button"), MaxListButton)
	case len(a.Sections) == 0:
		return missing(p.key("sections"))
	case len(a.Sections) > MaxListSections:
		return Errorf(CodeParameterInvalid, "Param %s must have between 1 and %d sections, got %d.", p.key("sections"), MaxListSections, len(a.Sections))
	}
	rows := 0
	ids := map[string]bool{}
	for i, s := range a.Sections {
		sp := p.key("sections").idx(i)
		if len(a.Sections) > 1 && s.Title == "" {
			return Errorf(CodeMissingParameter, "The parameter %s is required when a list has more than one section.", sp.key("title"))
		}
		if runes(s.Title) > MaxListSectionTitle {
			return Errorf(CodeParameterInvalid, "Param %s is too long: a section title must be at most %d characters.", sp.key("title"), MaxListSectionTitle)
		}
		if len(s.Rows) == 0 {
			return missing(sp.key("rows"))
		}
		rows += len(s.Rows)
		if rows > MaxListRows {
			return Errorf(CodeParameterInvalid, "Param %s brings the list to %d rows; a list has at most %d rows across all sections.", sp.key("rows"), rows, MaxListRows)
		}
		for j, row := range s.Rows {
			rp := sp.key("rows").idx(j)
			switch {
			case row.ID == "":
				return missing(rp.key("id"))
			case runes(row.ID) > MaxListRowID:
				return Errorf(CodeParameterInvalid, "Param %s is too long: a row id must be 1 to %d characters.", rp.key("id"), MaxListRowID)
			case ids[row.ID]:
				return Errorf(CodeParameterInvalid, "Param %s duplicates another row's id; row ids must be unique.", rp.key("id"))
			case row.Title == "":
				return missing(rp.key("title"))
			case runes(row.Title) > MaxListRowTitle:
				return Errorf(CodeParameterInvalid, "Param %s is too long: a row title must be 1 to %d characters.", rp.key("title"), MaxListRowTitle)
			case runes(row.Description) > MaxListRowDescription:
				return Errorf(CodeParameterInvalid, "Param %s is too long: a row description must be at most %d characters.", rp.key("description"), MaxListRowDescription)
			}
			ids[row.ID] = true
		}
	}
	return nil
}

func validateCTAURL(p param, a *InteractiveAction) *Error {
	if a.Name != "cta_url" {
		return Errorf(CodeInvalidParameter, "Param %s must be one of {cta_url} - got %q.", p.key("name"), a.Name)
	}
	pp := p.key("parameters")
	if len(a.Parameters) == 0 || string(a.Parameters) == "null" {
		return missing(pp)
	}
	var c CTAURLParameters
	if e := decodeInto(pp, a.Parameters, &c); e != nil {
		return e
	}
	switch {
	case c.DisplayText == "":
		return missing(pp.key("display_text"))
	case runes(c.DisplayText) > MaxCTADisplayText:
		return Errorf(CodeParameterInvalid, "Param %s is too long: it must be 1 to %d characters.", pp.key("display_text"), MaxCTADisplayText)
	case c.URL == "":
		return missing(pp.key("url"))
	}
	return validateURL(pp.key("url"), c.URL)
}
