// Package consent is the consent ledger: an append-only, hash-chained record
// per tenant of every opt-in and opt-out, the current state per contact and
// category that the policy rules read, erasure of personal data (LGPD), and
// verification of a stored chain or of an exported one.
//
// A record holds no personal data. The contact appears as an HMAC of its
// canonical wa_id under a key of the tenant's (sealed at rest), and the
// evidence as the SHA-256 of its body; the number and the evidence are
// stored apart from the chain, and erasure deletes them while every hash
// still verifies. The exact encoding is in hash.go and docs/consent-ledger.md,
// so that an auditor can re-implement verification of an export.
package consent

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabaguard/wabaguard/internal/phone"
)

// Action is what a record says about the contact.
type Action string

// Actions. Erased is written by Erase only: the personal data of the
// contact is gone and the contact must never be messaged again, until it
// opts in anew.
const (
	OptIn  Action = "opt_in"
	OptOut Action = "opt_out"
	Erased Action = "erased"
)

// Category is the kind of message a record covers: Meta's template
// categories, or all of them.
type Category string

// Categories.
const (
	Marketing      Category = "marketing"
	Utility        Category = "utility"
	Authentication Category = "authentication"
	All            Category = "all"
)

// Source is where a record came from.
type Source string

// Sources.
const (
	// WebForm is a form on the business's site or app.
	WebForm Source = "web_form"
	// WhatsAppKeyword is a keyword or reply the contact sent on WhatsApp.
	WhatsAppKeyword Source = "whatsapp_keyword"
	// Import is a bulk import that carries its proof.
	Import Source = "import"
	// API is a record the tenant sent through the API, for any other channel.
	API Source = "api"
	// UserPreferences is Meta's user_preferences webhook (stop or resume
	// marketing messages in WhatsApp).
	UserPreferences Source = "meta_user_preferences"
	// Error131050 is Meta's failed status 131050: the user stopped
	// marketing messages from the business.
	Error131050 Source = "meta_131050"
	// ErasureRequest is a data subject's erasure request (Erase only).
	ErasureRequest Source = "erasure_request"
)

var (
	actions    = []Action{OptIn, OptOut}
	categories = []Category{Marketing, Utility, Authentication, All}
	sources    = []Source{WebForm, WhatsAppKeyword, Import, API, UserPreferences, Error131050}
)

// Evidence is what shows that the contact acted. It is personal data: it is
// stored apart from the chain and removed by erasure; the chain keeps its
// digest.
type Evidence struct {
	// Text is what the contact was shown, or what it wrote (the keyword).
	Text string `json:"text,omitempty"`
	// URL is the page of the form, or where the imported proof is kept.
	URL string `json:"url,omitempty"`
	// IP and UserAgent are the contact's, as the form saw them.
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	// At is when the contact acted (not when the record was written).
	At time.Time `json:"at"`
	// MessageID is the WhatsApp message (or webhook) that carried it.
	MessageID string `json:"message_id,omitempty"`
}

// Limits on evidence fields, in bytes.
const (
	MaxTextLen      = 4096
	MaxURLLen       = 2048
	MaxUserAgentLen = 1024
	MaxMessageIDLen = 256
)

// MaxClockSkew is how far in the future evidence.at may be, for clocks of
// the systems that send it running a little ahead.
const MaxClockSkew = 5 * time.Minute

// Request asks the ledger to record an opt-in or opt-out.
type Request struct {
	TenantID string
	// Contact is the phone number, in E.164 or as a wa_id; mobile only
	// where the numbering plan can tell.
	Contact string
	// Number, when set, is Contact already normalised (a bulk import
	// whose parser did it), so RecordAll does not parse it again.
	Number   *phone.Number
	Action   Action
	Category Category
	Source   Source
	Evidence Evidence
	// FromMeta says Contact is a wa_id Meta itself sent (a webhook's
	// opt-out): it is recorded even where the numbering plan the gateway
	// knows does not list its range, because Meta's word on who the person
	// is outranks a phone-number library's, and an opt-out must never be
	// dropped.
	FromMeta bool
}

// FieldError is a refusal of bad input, naming the field at fault in the
// request's JSON spelling ("evidence.url"). Nothing is written when a
// request is refused.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("consent: %s: %s", e.Field, e.Reason) }

// ErrInvalid is matched (errors.Is) by every FieldError.
var ErrInvalid = errors.New("consent: invalid request")

// Is makes errors.Is(err, ErrInvalid) true for a FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// validate checks everything but the contact (which Normalize checks). The
// rules: an opt-in needs evidence of the contact's act (what it was shown
// or wrote, when, and one trace that places it: a URL, an IP or a message
// id); an opt-out needs none, because every request to stop is honoured,
// but what evidence it has is checked the same way. Meta's signals carry
// only marketing: 131050 is an opt-out, user_preferences stop or resume.
func (r *Request) validate(now time.Time) error {
	if strings.TrimSpace(r.TenantID) == "" {
		return invalid("tenant", "is required")
	}
	if !oneOf(r.Action, actions) {
		return invalid("action", "%q is not one of opt_in, opt_out", r.Action)
	}
	if !oneOf(r.Category, categories) {
		return invalid("category", "%q is not one of marketing, utility, authentication, all", r.Category)
	}
	if !oneOf(r.Source, sources) {
		return invalid("source", "%q is not one of web_form, whatsapp_keyword, import, api, meta_user_preferences, meta_131050", r.Source)
	}
	switch r.Source {
	case Error131050:
		if r.Action != OptOut || r.Category != Marketing {
			return invalid("source", "meta_131050 records only a marketing opt_out")
		}
	case UserPreferences:
		if r.Category != Marketing {
			return invalid("category", "meta_user_preferences covers only marketing")
		}
	}
	ev := &r.Evidence
	if err := checkText("evidence.text", ev.Text, MaxTextLen); err != nil {
		return err
	}
	if err := checkText("evidence.user_agent", ev.UserAgent, MaxUserAgentLen); err != nil {
		return err
	}
	if err := checkText("evidence.message_id", ev.MessageID, MaxMessageIDLen); err != nil {
		return err
	}
	if ev.URL != "" {
		if err := checkText("evidence.url", ev.URL, MaxURLLen); err != nil {
			return err
		}
		u, err := url.Parse(ev.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid("evidence.url", "%q is not an absolute http(s) URL", ev.URL)
		}
	}
	if ev.IP != "" {
		a, err := netip.ParseAddr(ev.IP)
		if err != nil {
			return invalid("evidence.ip", "%q is not an IPv4 or IPv6 address", ev.IP)
		}
		ev.IP = a.String()
	}
	if ev.At.After(now.Add(MaxClockSkew)) {
		return invalid("evidence.at", "%s is in the future", ev.At.UTC().Format(time.RFC3339))
	}
	if r.Action == OptIn {
		if strings.TrimSpace(ev.Text) == "" {
			return invalid("evidence.text", "an opt-in needs the text the contact was shown or wrote")
		}
		if ev.At.IsZero() {
			return invalid("evidence.at", "an opt-in needs the time the contact acted")
		}
		if ev.URL == "" && ev.IP == "" && ev.MessageID == "" {
			return invalid("evidence", "an opt-in needs a url, an ip or a message_id that places the contact's act")
		}
		if r.Source == WhatsAppKeyword && ev.MessageID == "" {
			return invalid("evidence.message_id", "a whatsapp_keyword opt-in needs the id of the message that carried it")
		}
		if r.Source == WebForm && ev.URL == "" {
			return invalid("evidence.url", "a web_form opt-in needs the form's URL")
		}
		if r.Source == Import && ev.URL == "" {
			return invalid("evidence.url", "an import opt-in needs the URL where its proof is kept")
		}
	}
	return nil
}

func checkText(field, s string, max int) error {
	if len(s) > max {
		return invalid(field, "is %d bytes long, more than %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	for _, c := range s {
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f {
			return invalid(field, "contains the control character %U", c)
		}
	}
	return nil
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// ParseCategory checks a category's spelling.
func ParseCategory(s string) (Category, error) {
	c := Category(s)
	if !oneOf(c, categories) {
		return "", invalid("category", "%q is not one of marketing, utility, authentication, all", s)
	}
	return c, nil
}

// Check applies the ledger's rules to a request without writing it, for a
// caller that checks a whole file before it records any of it (a contact
// import reports each line instead of having RecordAll refuse the batch).
// The contact is not checked: the caller has normalised it.
func Check(req Request, now time.Time) error { return req.validate(now) }
