// Package refusal is the catalogue of the gateway's own refusals: every
// reason wabaguard itself, not Meta, declines or fails a message. Each entry
// has a stable number in a range no documented Meta code uses (470000–470999),
// the HTTP status of a synchronous refusal, a title, an explanation in pt-BR,
// en and es that says what to do, Meta's nearest code where one exists, and a
// link to its section of docs/refusals.md, which is generated from this table
// (see TestCataloguePageIsCurrent).
//
// Refusals that Meta itself would make with the same meaning for the client
// (a malformed body, an unknown phone number id) keep Meta's codes and are
// not in this catalogue: a drop-in answers what Meta answers.
package refusal

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Code is a gateway refusal number.
type Code int

// The gateway's refusal codes. Numbers are never reused or renumbered:
// clients match on them.
const (
	// Suppression: the person said stop, or was erased.
	OptedOut          Code = 470100
	OptedOutMarketing Code = 470101
	Erased            Code = 470102

	// Consent: business-initiated messages need an opt-in.
	NoConsent   Code = 470110
	Unconfirmed Code = 470111

	// The 24-hour customer service window.
	WindowClosed Code = 470120

	// The local template cache.
	TemplateUnknown     Code = 470130
	TemplateNotApproved Code = 470131
	TemplatePaused      Code = 470132
	TemplateDisabled    Code = 470133
	TemplateParams      Code = 470134

	// The content checker: what the message says or how it looks.
	ContentScam       Code = 470140
	ContentProhibited Code = 470141
	ContentRestricted Code = 470142
	ContentStructure  Code = 470143
	ContentClassifier Code = 470144
	// Template lint: a template creation refused before it reaches Meta.
	TemplateLintRejected Code = 470150
	// Cadence: per-contact caps, the repeat guard and quiet hours.
	FrequencyCap    Code = 470160
	FrequencyRepeat Code = 470161
	// QuietHoursClosed names the deferral of a marketing message outside
	// the recipient's allowed hours. It is never an HTTP error: the message
	// is accepted and waits; the code is what the decision record says.
	QuietHoursClosed Code = 470165
	// Pacing and Meta's per-user marketing limits.
	USMarketing Code = 470175
	// The business portfolio's messaging limit (a deferral: the message
	// waits for a free slot, it is not refused).
	MessagingLimitReached Code = 470170
	// A warming sender's daily allowance (a deferral: the message waits for
	// the allowance to free, it is not refused).
	WarmupReached Code = 470171
	// Campaigns: a contact the campaign cannot fill the template for.
	CampaignParamMissing Code = 470180
)

// DocsURL is where docs/refusals.md is published; each entry links to its
// own anchor there.
const DocsURL = "https://github.com/wabaguard/wabaguard/blob/main/docs/refusals.md"

// Lang is a language the catalogue speaks.
type Lang string

// Languages, in the order of preference when a client states none.
const (
	PT Lang = "pt-BR"
	EN Lang = "en"
	ES Lang = "es"
)

// Langs lists the catalogue's languages, the default first.
var Langs = []Lang{PT, EN, ES}

// Text is an entry's words in one language.
type Text struct {
	Title string
	// Explanation says what happened and what to do about it.
	Explanation string
}

// Entry is one refusal of the catalogue.
type Entry struct {
	Code Code
	// Key is the decision code stored with the message, "<rule>.<reason>".
	Key string
	// HTTPStatus is the status of a synchronous refusal.
	HTTPStatus int
	// Meta is Meta's nearest error code (0 when Meta has none): the code a
	// client written for Meta alone would handle the same way.
	Meta int
	Text map[Lang]Text
}

// Anchor is the entry's fragment in docs/refusals.md.
func (e Entry) Anchor() string { return fmt.Sprintf("r%d", e.Code) }

// Link is the entry's page.
func (e Entry) Link() string { return DocsURL + "#" + e.Anchor() }

// In returns the entry's text in lang, falling back to pt-BR.
func (e Entry) In(lang Lang) Text {
	if t, ok := e.Text[lang]; ok {
		return t
	}
	return e.Text[PT]
}

// Details is the error_data.details of a refusal: the explanation, Meta's
// equivalent and the link.
func (e Entry) Details(lang Lang, detail string) string {
	t := e.In(lang)
	var b strings.Builder
	b.WriteString(t.Explanation)
	if detail != "" {
		b.WriteString(" ")
		b.WriteString(detail)
	}
	if e.Meta != 0 {
		fmt.Fprintf(&b, " %s: %d (%s).", metaWord[lang], e.Meta, wire.Title(e.Meta))
	}
	b.WriteString(" ")
	b.WriteString(e.Link())
	return b.String()
}

var metaWord = map[Lang]string{PT: "Equivalente na Meta", EN: "Meta's equivalent", ES: "Equivalente en Meta"}

// Error is the synchronous Graph error of the refusal in lang; detail, when
// given, is a specific sentence added after the explanation (it must hold no
// personal data beyond what the client sent).
func (e Entry) Error(lang Lang, detail string) *wire.Error {
	t := e.In(lang)
	return &wire.Error{
		Message:    fmt.Sprintf("(#%d) %s", e.Code, t.Title),
		Type:       "OAuthException",
		Code:       int(e.Code),
		ErrorData:  &wire.ErrorData{MessagingProduct: "whatsapp", Details: e.Details(lang, detail)},
		HTTPStatus: e.HTTPStatus,
	}
}

// StatusError is the refusal as the error of a failed status webhook,
// shaped like Meta's asynchronous errors: message equal to the title, href
// to the entry's page, the explanation in error_data.details.
func (e Entry) StatusError(lang Lang, detail string) wire.StatusError {
	t := e.In(lang)
	return wire.StatusError{
		Code:      int(e.Code),
		Title:     t.Title,
		Message:   t.Title,
		Href:      e.Link(),
		ErrorData: &wire.StatusErrorData{Details: e.Details(lang, detail)},
	}
}

// Lookup returns the entry of a code.
func Lookup(c Code) (Entry, bool) {
	e, ok := byCode[c]
	return e, ok
}

// ByKey returns the entry of a decision code such as "consent.missing".
func ByKey(key string) (Entry, bool) {
	e, ok := byKey[key]
	return e, ok
}

// Must returns the entry of a code and panics on a code not in the
// catalogue: every code constant has an entry (TestEveryCodeHasAnEntry).
func Must(c Code) Entry {
	e, ok := byCode[c]
	if !ok {
		panic(fmt.Sprintf("refusal: code %d is not in the catalogue", c))
	}
	return e
}

// All returns the catalogue in code order.
func All() []Entry { return append([]Entry(nil), entries...) }

var (
	byCode = map[Code]Entry{}
	byKey  = map[string]Entry{}
)

func init() {
	for _, e := range entries {
		if _, dup := byCode[e.Code]; dup {
			panic(fmt.Sprintf("refusal: code %d twice", e.Code))
		}
		if _, dup := byKey[e.Key]; dup {
			panic(fmt.Sprintf("refusal: key %q twice", e.Key))
		}
		byCode[e.Code] = e
		byKey[e.Key] = e
	}
}

var matcher = language.NewMatcher([]language.Tag{
	language.BrazilianPortuguese, language.English, language.Spanish,
})

// Negotiate picks the catalogue's language for an Accept-Language header:
// pt-BR when the header is empty, unparsable or names nothing close.
func Negotiate(acceptLanguage string) Lang {
	if strings.TrimSpace(acceptLanguage) == "" {
		return PT
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return PT
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return PT
	}
	return Langs[i]
}

// Header reads the language of an HTTP request.
func Header(r *http.Request) Lang { return Negotiate(r.Header.Get("Accept-Language")) }
