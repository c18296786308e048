// Package contact is a tenant's contact list: one contact per person (by
// the canonical wa_id, so a Brazilian mobile with and without its ninth
// digit is one contact), with name, language, tags and custom attributes;
// imports of any size from CSV and JSON with consent evidence that become
// ledger records with proof; streamed exports; and audiences, saved
// segments evaluated when they are used.
//
// Consent is never copied here: a contact carries the ledger's name for the
// person (its contact key) and its consent is read from the ledger's
// current state. See docs/contacts.md.
package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Store is what the package needs of the store.
type Store interface {
	store.Contacts
}

// Ledger is what the package needs of the consent ledger.
type Ledger interface {
	ContactKey(ctx context.Context, tenantID, waID string) (string, error)
	RecordAll(ctx context.Context, tenantID string, reqs []consent.Request) ([]consent.Receipt, error)
}

// Service manages contacts and audiences.
type Service struct {
	st     Store
	ledger Ledger
	region string
	now    func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithDefaultRegion reads numbers without a country code as national
// numbers of region ("BR").
func WithDefaultRegion(region string) Option { return func(s *Service) { s.region = region } }

// New returns a Service.
func New(st Store, l Ledger, opts ...Option) *Service {
	s := &Service{st: st, ledger: l, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Limits on a contact's fields.
const (
	MaxNameLen       = 256
	MaxTags          = 64
	MaxTagLen        = 64
	MaxAttributesLen = 8192
)

var (
	tagRE  = regexp.MustCompile(`^[\p{L}\p{N}_:.-]+$`)
	langRE = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
)

// ErrInvalid is matched by every refusal of bad input (a *FieldError).
var ErrInvalid = errors.New("contact: invalid")

// FieldError names the field at fault.
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("contact: %s: %s", e.Field, e.Reason) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// View is a contact as the API and exports show it.
type View struct {
	WaID       string          `json:"wa_id"`
	E164       string          `json:"phone"`
	Name       string          `json:"name"`
	Language   string          `json:"language"`
	Tags       []string        `json:"tags"`
	Attributes json.RawMessage `json:"attributes"`
	// Consent is the ledger's latest word per category: opt_in, opt_out,
	// erased, or "" when it has none.
	Consent       map[string]string `json:"consent"`
	LastInboundAt *time.Time        `json:"last_inbound_at,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// Categories a contact's consent is shown for.
var Categories = []consent.Category{consent.Marketing, consent.Utility, consent.Authentication}

// consentOf is the ledger's rule (ledger.CurrentByWaID) on stored rows: the
// latest record of the category itself or of all.
func consentOf(rows []store.ConsentState, cat consent.Category) store.ConsentState {
	var best store.ConsentState
	for _, r := range rows {
		if (r.Category == string(cat) || r.Category == string(consent.All)) && r.Seq > best.Seq {
			best = r
		}
	}
	return best
}

func view(c store.Contact) View {
	v := View{WaID: c.WaID, E164: c.E164, Name: c.Name, Language: c.Language, Tags: c.Tags,
		Attributes: json.RawMessage(c.Attributes), Consent: map[string]string{}, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if len(v.Attributes) == 0 {
		v.Attributes = json.RawMessage(`{}`)
	}
	for _, cat := range Categories {
		v.Consent[string(cat)] = consentOf(c.Consent, cat).Action
	}
	if !c.LastInboundAt.IsZero() {
		t := c.LastInboundAt
		v.LastInboundAt = &t
	}
	return v
}

// Number normalises a contact's number to its canonical form.
func (s *Service) Number(input string) (phone.Number, error) {
	n, err := phone.Normalize(input, s.region)
	if err != nil {
		return phone.Number{}, &FieldError{Field: "phone", Reason: strings.TrimPrefix(err.Error(), phone.ErrInvalid.Error()+": ")}
	}
	n.WaID = phone.Canonical(n.WaID)
	return n, nil
}

// Get returns one contact by any form of its number.
func (s *Service) Get(ctx context.Context, tenantID, number string) (View, error) {
	n, err := s.Number(number)
	if err != nil {
		return View{}, err
	}
	c, err := s.st.GetContact(ctx, tenantID, n.WaID)
	if err != nil {
		return View{}, err
	}
	return view(c), nil
}

// Query selects a page of contacts.
type Query = store.ContactQuery

// MaxPage bounds a page.
const MaxPage = 1000

// List returns a page of contacts by wa_id.
func (s *Service) List(ctx context.Context, q Query) ([]View, error) {
	if q.Limit <= 0 || q.Limit > MaxPage {
		q.Limit = min(max(q.Limit, 100), MaxPage)
	}
	cs, err := s.st.ListContacts(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(cs))
	for i, c := range cs {
		out[i] = view(c)
	}
	return out, nil
}

// Patch is a change to a contact: nil fields are kept. Tags replace the
// contact's; Attributes are merged key by key, a null value removing one.
type Patch struct {
	Name       *string         `json:"name"`
	Language   *string         `json:"language"`
	Tags       *[]string       `json:"tags"`
	Attributes json.RawMessage `json:"attributes"`
}

// Upsert applies a patch to the contact of number, creating it when it
// does not exist. It reports whether it created it.
func (s *Service) Upsert(ctx context.Context, tenantID, number string, p Patch) (View, bool, error) {
	n, err := s.Number(number)
	if err != nil {
		return View{}, false, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	cur, err := s.st.GetContact(ctx, tenantID, n.WaID)
	created := errors.Is(err, store.ErrNotFound)
	if err != nil && !created {
		return View{}, false, err
	}
	if created {
		key, err := s.ledger.ContactKey(ctx, tenantID, n.WaID)
		if err != nil {
			return View{}, false, err
		}
		cur = store.Contact{TenantID: tenantID, WaID: n.WaID, E164: n.E164, ContactKey: key, Attributes: []byte("{}"), CreatedAt: now}
	}
	if p.Name != nil {
		cur.Name = *p.Name
	}
	if p.Language != nil {
		cur.Language = *p.Language
	}
	if p.Tags != nil {
		cur.Tags = *p.Tags
	}
	if len(p.Attributes) > 0 && string(p.Attributes) != "null" {
		var add map[string]json.RawMessage
		if err := json.Unmarshal(p.Attributes, &add); err != nil {
			return View{}, false, invalid("attributes", "is not a JSON object")
		}
		merged, err := mergeAttributes(cur.Attributes, add)
		if err != nil {
			return View{}, false, err
		}
		cur.Attributes = merged
	}
	if err := normaliseContact(&cur); err != nil {
		return View{}, false, err
	}
	cur.UpdatedAt = now
	if err := s.st.PutContacts(ctx, []store.Contact{cur}, nil); err != nil {
		return View{}, false, err
	}
	got, err := s.st.GetContact(ctx, tenantID, n.WaID)
	if err != nil {
		return View{}, false, err
	}
	return view(got), created, nil
}

// Delete removes a contact from the list (its consent stays in the
// ledger; erasure is the API's /contacts/{contact}/erase).
func (s *Service) Delete(ctx context.Context, tenantID, number string) error {
	n, err := s.Number(number)
	if err != nil {
		return err
	}
	return s.st.DeleteContact(ctx, tenantID, n.WaID)
}

// mergeAttributes sets add's keys on the object cur, a null removing one.
func mergeAttributes(cur []byte, add map[string]json.RawMessage) ([]byte, error) {
	m := map[string]json.RawMessage{}
	if len(cur) > 0 {
		if err := json.Unmarshal(cur, &m); err != nil {
			return nil, fmt.Errorf("contact: stored attributes: %w", err)
		}
	}
	for k, v := range add {
		if string(v) == "null" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return json.Marshal(m)
}

// normaliseContact checks and tidies the fields a caller sets: tags
// sorted, unique and well formed, attributes a small JSON object whose
// values are strings, numbers or booleans.
func normaliseContact(c *store.Contact) error {
	c.Name = strings.TrimSpace(c.Name)
	if len(c.Name) > MaxNameLen {
		return invalid("name", "is %d bytes long, more than %d", len(c.Name), MaxNameLen)
	}
	if !utf8.ValidString(c.Name) || strings.ContainsFunc(c.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return invalid("name", "is not printable UTF-8 text")
	}
	c.Language = strings.TrimSpace(strings.ReplaceAll(c.Language, "-", "_"))
	if c.Language != "" && !langRE.MatchString(c.Language) {
		return invalid("language", "%q is not a language code like pt_BR or en", c.Language)
	}
	tags := make([]string, 0, len(c.Tags))
	for _, t := range c.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if len(t) > MaxTagLen || !tagRE.MatchString(t) {
			return invalid("tags", "%q is not a tag: letters, digits and _ : . - only, up to %d bytes", t, MaxTagLen)
		}
		tags = append(tags, t)
	}
	slices.Sort(tags)
	c.Tags = slices.Compact(tags)
	if len(c.Tags) > MaxTags {
		return invalid("tags", "%d tags are more than %d", len(c.Tags), MaxTags)
	}
	if len(c.Attributes) == 0 {
		c.Attributes = []byte("{}")
	}
	if len(c.Attributes) > MaxAttributesLen {
		return invalid("attributes", "are %d bytes, more than %d", len(c.Attributes), MaxAttributesLen)
	}
	var m map[string]any
	if err := json.Unmarshal(c.Attributes, &m); err != nil || m == nil {
		return invalid("attributes", "are not a JSON object")
	}
	for k, v := range m {
		if k == "" || len(k) > MaxTagLen || !tagRE.MatchString(k) {
			return invalid("attributes", "%q is not an attribute name: letters, digits and _ : . - only", k)
		}
		switch v.(type) {
		case string, float64, bool:
		default:
			return invalid("attributes."+k, "is not a string, a number or a boolean")
		}
	}
	b, err := json.Marshal(m) // sorted keys: equal attributes are equal bytes
	if err != nil {
		return fmt.Errorf("contact: attributes: %w", err)
	}
	c.Attributes = b
	return nil
}
