// Package template is the gateway's local cache of every WABA's message
// templates: what Meta's id, category, status and quality of each (name,
// language) are, and what parameters a send must give each component, so a
// rule can refuse a send Meta would refuse without asking Meta.
//
// The cache is kept current three ways: a sync that lists each WABA's
// templates from the Graph API at start and periodically (Syncer), the
// template webhooks (Cache.Apply), and creations seen through the gateway's
// pass-through (Cache.TemplateCreated). Every change goes to the store
// first; each replica holds an in-memory copy, loaded from the store and
// refreshed, so a lookup on the send path reads no store.
package template

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Statuses a template can have (meta-platform.md §1.6). Only APPROVED
// templates can be sent.
const (
	StatusApproved        = "APPROVED"
	StatusPending         = "PENDING"
	StatusRejected        = "REJECTED"
	StatusPaused          = "PAUSED"
	StatusDisabled        = "DISABLED"
	StatusFlagged         = "FLAGGED"
	StatusInAppeal        = "IN_APPEAL"
	StatusPendingDeletion = "PENDING_DELETION"
	StatusDeleted         = "DELETED"
	StatusArchived        = "ARCHIVED"
	StatusLimitExceeded   = "LIMIT_EXCEEDED"
	StatusLocked          = "LOCKED"
)

// Categories of templates.
const (
	CategoryMarketing      = "MARKETING"
	CategoryUtility        = "UTILITY"
	CategoryAuthentication = "AUTHENTICATION"
)

// Format is how a template's variables are written: {{1}} or {{name}}.
type Format string

// Parameter formats (Meta's parameter_format).
const (
	Positional Format = "positional"
	Named      Format = "named"
)

// Known says what a lookup can tell.
type Known uint8

const (
	// NotSynced: the WABA's templates have never been listed, so a
	// template missing from the cache may well exist.
	NotSynced Known = iota
	// Absent: the WABA has been listed and holds no such template (in
	// that language); Meta would refuse the send with 132001.
	Absent
	// Present: the template is in the cache; Info describes it.
	Present
)

func (k Known) String() string {
	switch k {
	case NotSynced:
		return "not synced"
	case Absent:
		return "absent"
	case Present:
		return "present"
	}
	return "Known(" + strconv.Itoa(int(k)) + ")"
}

// Info is what the cache knows of one template.
type Info struct {
	WABAID, Name, Language string
	// ID is Meta's template id.
	ID       string
	Category string
	Status   string
	// Quality is GREEN, YELLOW, RED or UNKNOWN; "" when not known.
	Quality string
	// Reason is why Meta rejected, paused or disabled the template.
	Reason string
	Format Format
	// ParamsKnown is false while the cache knows the template only from a
	// webhook (its components arrive with the next sync): Check then
	// finds nothing to say.
	ParamsKnown bool
	// Slots are the components a send may fill, in the order header,
	// body, buttons by index.
	Slots []Slot
	// Body is the text of the BODY component, placeholders and all ("" when
	// not known): the content checker reads it with the parameters filled.
	Body string
	// UpdatedAt is when what Info says was true.
	UpdatedAt time.Time
}

// Sendable reports whether Meta accepts sends of the template.
func (i *Info) Sendable() bool { return i.Status == StatusApproved }

// MetaCode is the error code Meta answers a send of the template with
// because of its status: 0 when it is sendable, 132015 when paused, 132016
// when disabled, 132001 (does not exist or is not approved) otherwise. A
// rule refusing locally gives this code as Meta's equivalent; parameter
// problems found by Check are Meta's 132000.
func (i *Info) MetaCode() int {
	switch i.Status {
	case StatusApproved:
		return 0
	case StatusPaused:
		return wire.CodeTemplatePaused
	case StatusDisabled:
		return wire.CodeTemplateDisabled
	}
	return wire.CodeTemplateMissing
}

// Slot is one component of a template that takes parameters in a send.
type Slot struct {
	// Type is "header", "body" or "button", as a send names it.
	Type string
	// Index is a button's position (-1 for header and body).
	Index int
	// SubType is a button's sub_type in a send (url, copy_code,
	// quick_reply, flow, catalog…).
	SubType string
	// Media is the parameter type a media or location header takes
	// (image, video, document, location); "" for text.
	Media string
	// Count is how many parameters the component takes.
	Count int
	// Names are the variables of a named component, in order of first
	// appearance; nil for positional ones.
	Names []string
	// Optional slots may be left out of a send (a quick-reply button's
	// payload, a flow button's action).
	Optional bool
	// Unchecked slots take parameters of a shape this package does not
	// model; whatever a send gives is accepted.
	Unchecked bool
	// Label names the slot in problems: "header", "body", "button 0".
	Label string
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// definition is a component as Meta lists it.
type definition struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Text    string `json:"text"`
	Buttons []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"buttons"`
}

// variables returns the distinct variables of text in order, and whether
// any is named (not a number).
func variables(text string) (vars []string, named bool) {
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		v := m[1]
		dup := false
		for _, o := range vars {
			if o == v {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		vars = append(vars, v)
		if _, err := strconv.Atoi(v); err != nil {
			named = true
		}
	}
	return vars, named
}

// parseFormat normalises Meta's parameter_format; "" when absent.
func parseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "positional":
		return Positional, nil
	case "named":
		return Named, nil
	}
	return "", fmt.Errorf("template: unknown parameter_format %q", s)
}

// slots derives what a send must give from a template's components. An
// empty format is inferred: named when any body or header variable is
// not a number.
func slots(components []byte, format Format) ([]Slot, Format, error) {
	var defs []definition
	if err := json.Unmarshal(components, &defs); err != nil {
		return nil, format, fmt.Errorf("template: components: %w", err)
	}
	var out []Slot
	anyNamed := false
	textSlot := func(typ, text string) {
		vars, named := variables(text)
		anyNamed = anyNamed || named
		if len(vars) > 0 {
			out = append(out, Slot{Type: typ, Index: -1, Count: len(vars), Names: vars, Label: typ})
		}
	}
	for _, d := range defs {
		switch strings.ToUpper(d.Type) {
		case "HEADER":
			switch f := strings.ToUpper(d.Format); f {
			case "", "TEXT":
				textSlot("header", d.Text)
			case "IMAGE", "VIDEO", "DOCUMENT", "LOCATION":
				out = append(out, Slot{Type: "header", Index: -1, Media: strings.ToLower(f), Count: 1, Label: "header"})
			default:
				out = append(out, Slot{Type: "header", Index: -1, Unchecked: true, Label: "header"})
			}
		case "BODY":
			textSlot("body", d.Text)
		case "BUTTONS":
			for i, b := range d.Buttons {
				s := Slot{Type: "button", Index: i, Label: "button " + strconv.Itoa(i)}
				switch strings.ToUpper(b.Type) {
				case "URL":
					vars, _ := variables(b.URL)
					if len(vars) == 0 {
						continue
					}
					s.SubType, s.Count = "url", len(vars)
				case "OTP":
					// Authentication templates: whatever the OTP type, a
					// send gives the code as the button's one url
					// parameter.
					s.SubType, s.Count = "url", 1
				case "COPY_CODE":
					s.SubType, s.Count = "copy_code", 1
				case "QUICK_REPLY":
					s.SubType, s.Count, s.Optional = "quick_reply", 1, true
				case "FLOW":
					s.SubType, s.Count, s.Optional = "flow", 1, true
				case "PHONE_NUMBER", "VOICE_CALL":
					continue
				default:
					s.SubType, s.Unchecked, s.Optional = strings.ToLower(b.Type), true, true
				}
				out = append(out, s)
			}
		}
	}
	if format == "" {
		format = Positional
		if anyNamed {
			format = Named
		}
	}
	if format == Positional {
		for i := range out {
			out[i].Names = nil
		}
	}
	return out, format, nil
}

// bodyText returns the text of the BODY component of components that
// parsed already.
func bodyText(components []byte) string {
	var defs []definition
	if json.Unmarshal(components, &defs) != nil {
		return ""
	}
	for _, d := range defs {
		if strings.EqualFold(d.Type, "BODY") {
			return d.Text
		}
	}
	return ""
}

// infoOf builds the Info of a stored record. A record whose components do
// not parse is kept with ParamsKnown false: its status still counts.
func infoOf(t store.Template) (Info, error) {
	info := Info{WABAID: t.WABAID, Name: t.Name, Language: t.Language, ID: t.ID, Category: t.Category,
		Status: t.Status, Quality: t.Quality, Reason: t.Reason, UpdatedAt: t.UpdatedAt}
	format, ferr := parseFormat(t.ParameterFormat)
	info.Format = format
	if len(t.Components) == 0 {
		return info, ferr
	}
	ss, f, err := slots(t.Components, format)
	if err != nil {
		return info, err
	}
	info.Slots, info.Format, info.ParamsKnown = ss, f, true
	info.Body = bodyText(t.Components)
	return info, ferr
}
