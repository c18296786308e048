package contact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Filter is an audience's expression, stored as JSON. Each node is exactly
// one of:
//
//	{"all": [F, …]}            every one matches (an empty list: everyone)
//	{"any": [F, …]}            at least one matches
//	{"not": F}                 F does not match
//	{"tag": "vip"}             the contact has the tag
//	{"language": "pt_BR"}      the contact's language
//	{"attribute": {"name": "city", "equals": "Recife"}}   (or "exists": true)
//	{"consent": {"category": "marketing", "state": "opted_in"}}
//	                           state: opted_in, opted_out, erased, none, suppressed (opted out or erased)
//	{"inbound_within_days": 30}   the contact wrote to one of the tenant's numbers in the last 30 days
//
// "{}" matches every contact. Consent is the ledger's current state at
// evaluation time; activity is the contact's last inbound.
type Filter struct {
	All               []Filter         `json:"all,omitempty"`
	Any               []Filter         `json:"any,omitempty"`
	Not               *Filter          `json:"not,omitempty"`
	Tag               string           `json:"tag,omitempty"`
	Language          string           `json:"language,omitempty"`
	Attribute         *AttributeFilter `json:"attribute,omitempty"`
	Consent           *ConsentFilter   `json:"consent,omitempty"`
	InboundWithinDays int              `json:"inbound_within_days,omitempty"`
}

// AttributeFilter matches a custom attribute: equal to Equals (compared as
// JSON values) or, with Exists, present at all.
type AttributeFilter struct {
	Name   string          `json:"name"`
	Equals json.RawMessage `json:"equals,omitempty"`
	Exists bool            `json:"exists,omitempty"`
}

// ConsentFilter matches a contact's consent for a category.
type ConsentFilter struct {
	Category string `json:"category"`
	State    string `json:"state"`
}

// Limits on a filter.
const (
	MaxFilterNodes = 100
	MaxFilterDepth = 8
)

var consentStates = []string{"opted_in", "opted_out", "erased", "none", "suppressed"}

// ParseFilter reads and checks a filter expression.
func ParseFilter(b []byte) (Filter, error) {
	var f Filter
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return Filter{}, invalid("filter", "not a filter expression: %v", err)
	}
	if d.More() {
		return Filter{}, invalid("filter", "more than one JSON value")
	}
	nodes := 0
	if err := f.check("filter", 1, &nodes); err != nil {
		return Filter{}, err
	}
	return f, nil
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func (f *Filter) check(path string, depth int, nodes *int) error {
	*nodes++
	if *nodes > MaxFilterNodes {
		return invalid("filter", "more than %d nodes", MaxFilterNodes)
	}
	if depth > MaxFilterDepth {
		return invalid(path, "nested deeper than %d", MaxFilterDepth)
	}
	set := 0
	for _, b := range []bool{f.All != nil, f.Any != nil, f.Not != nil, f.Tag != "", f.Language != "", f.Attribute != nil,
		f.Consent != nil, f.InboundWithinDays != 0} {
		if b {
			set++
		}
	}
	if set > 1 {
		return invalid(path, "has more than one of all, any, not, tag, language, attribute, consent, inbound_within_days")
	}
	for i := range f.All {
		if err := f.All[i].check(fmt.Sprintf("%s.all[%d]", path, i), depth+1, nodes); err != nil {
			return err
		}
	}
	for i := range f.Any {
		if err := f.Any[i].check(fmt.Sprintf("%s.any[%d]", path, i), depth+1, nodes); err != nil {
			return err
		}
	}
	if f.Not != nil {
		if err := f.Not.check(path+".not", depth+1, nodes); err != nil {
			return err
		}
	}
	if f.Attribute != nil {
		a := f.Attribute
		if a.Name == "" {
			return invalid(path+".attribute.name", "is required")
		}
		if (len(a.Equals) > 0) == a.Exists {
			return invalid(path+".attribute", "needs one of equals, exists")
		}
		if len(a.Equals) > 0 {
			var v any
			if err := json.Unmarshal(a.Equals, &v); err != nil {
				return invalid(path+".attribute.equals", "is not a JSON value")
			}
			a.Equals, _ = json.Marshal(v)
		}
	}
	if f.Consent != nil {
		if _, err := consent.ParseCategory(f.Consent.Category); err != nil || f.Consent.Category == string(consent.All) {
			return invalid(path+".consent.category", "%q is not one of marketing, utility, authentication", f.Consent.Category)
		}
		if !slices.Contains(consentStates, f.Consent.State) {
			return invalid(path+".consent.state", "%q is not one of opted_in, opted_out, erased, none, suppressed", f.Consent.State)
		}
	}
	// Tags are stored lower case; a filter written "VIP" means them.
	f.Tag = strings.ToLower(f.Tag)
	if f.InboundWithinDays < 0 || f.InboundWithinDays > 3660 {
		return invalid(path+".inbound_within_days", "must be between 1 and 3660")
	}
	return nil
}

// Match reports whether a contact matches at now.
func (f *Filter) Match(c store.Contact, now time.Time) bool {
	switch {
	case f.All != nil:
		for i := range f.All {
			if !f.All[i].Match(c, now) {
				return false
			}
		}
		return true
	case f.Any != nil:
		for i := range f.Any {
			if f.Any[i].Match(c, now) {
				return true
			}
		}
		return false
	case f.Not != nil:
		return !f.Not.Match(c, now)
	case f.Tag != "":
		_, ok := slices.BinarySearch(c.Tags, f.Tag)
		return ok
	case f.Language != "":
		return c.Language == f.Language
	case f.Attribute != nil:
		var m map[string]json.RawMessage
		if json.Unmarshal(c.Attributes, &m) != nil {
			return false
		}
		v, ok := m[f.Attribute.Name]
		if f.Attribute.Exists || !ok {
			return ok
		}
		return bytes.Equal(v, f.Attribute.Equals)
	case f.Consent != nil:
		st := consentOf(c.Consent, consent.Category(f.Consent.Category)).Action
		switch f.Consent.State {
		case "opted_in":
			return st == string(consent.OptIn)
		case "opted_out":
			return st == string(consent.OptOut)
		case "erased":
			return st == string(consent.Erased)
		case "none":
			return st == ""
		default:
			return st == string(consent.OptOut) || st == string(consent.Erased)
		}
	case f.InboundWithinDays > 0:
		return !c.LastInboundAt.IsZero() && !c.LastInboundAt.Before(now.Add(-time.Duration(f.InboundWithinDays)*24*time.Hour))
	}
	return true
}

// Each calls fn with every contact of a tenant that f matches (every
// contact when f is nil), by wa_id, reading the store a page at a time:
// an audience is evaluated when it is used, against the ledger's consent
// of that moment.
func (s *Service) Each(ctx context.Context, tenantID string, f *Filter, fn func(View) error) error {
	now := s.now()
	after := ""
	for {
		page, err := s.st.ListContacts(ctx, store.ContactQuery{TenantID: tenantID, After: after, Limit: MaxPage})
		if err != nil {
			return err
		}
		for _, c := range page {
			if f == nil || f.Match(c, now) {
				if err := fn(view(c)); err != nil {
					return err
				}
			}
		}
		if len(page) < MaxPage {
			return nil
		}
		after = page[len(page)-1].WaID
	}
}

// Count counts the contacts f matches.
func (s *Service) Count(ctx context.Context, tenantID string, f *Filter) (int64, error) {
	var n int64
	err := s.Each(ctx, tenantID, f, func(View) error { n++; return nil })
	return n, err
}

// AudienceView is an audience as the API shows it.
type AudienceView struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Filter    json.RawMessage `json:"filter"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func audienceView(a store.Audience) AudienceView {
	return AudienceView{ID: a.ID, Name: a.Name, Filter: json.RawMessage(a.Filter), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// PutAudience creates or replaces an audience after checking its filter.
func (s *Service) PutAudience(ctx context.Context, tenantID, id, name string, filter []byte) (AudienceView, error) {
	if !idRE.MatchString(id) {
		return AudienceView{}, invalid("id", "%q is not an id: lower-case letters, digits, _ and -, up to 64", id)
	}
	if name == "" || len(name) > MaxNameLen {
		return AudienceView{}, invalid("name", "is required, up to %d bytes", MaxNameLen)
	}
	f, err := ParseFilter(filter)
	if err != nil {
		return AudienceView{}, err
	}
	canon, err := json.Marshal(f)
	if err != nil {
		return AudienceView{}, fmt.Errorf("contact: filter: %w", err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	a := store.Audience{TenantID: tenantID, ID: id, Name: name, Filter: canon, CreatedAt: now, UpdatedAt: now}
	if err := s.st.PutAudience(ctx, a); err != nil {
		return AudienceView{}, err
	}
	got, err := s.st.GetAudience(ctx, tenantID, id)
	if err != nil {
		return AudienceView{}, err
	}
	return audienceView(got), nil
}

// Audience returns an audience and its parsed filter.
func (s *Service) Audience(ctx context.Context, tenantID, id string) (AudienceView, *Filter, error) {
	a, err := s.st.GetAudience(ctx, tenantID, id)
	if err != nil {
		return AudienceView{}, nil, err
	}
	f, err := ParseFilter(a.Filter)
	if err != nil {
		return AudienceView{}, nil, fmt.Errorf("contact: stored audience %s: %w", id, errors.Unwrap(err))
	}
	return audienceView(a), &f, nil
}

// Audiences lists a tenant's audiences.
func (s *Service) Audiences(ctx context.Context, tenantID string) ([]AudienceView, error) {
	as, err := s.st.ListAudiences(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]AudienceView, len(as))
	for i, a := range as {
		out[i] = audienceView(a)
	}
	return out, nil
}

// DeleteAudience removes an audience.
func (s *Service) DeleteAudience(ctx context.Context, tenantID, id string) error {
	return s.st.DeleteAudience(ctx, tenantID, id)
}
