// Package appeal assembles the dossier a business hands Meta when one of
// its numbers is restricted or banned: what was sent, to whom, with what
// consent, how opt-outs were honoured, what failed and what the gateway
// did, over a window or an incident, with a drafted appeal text that
// states only facts from that data. It reads the store and the consent
// ledger and writes nothing. Where data is missing the dossier says so
// (Dossier.Missing) instead of filling the gap.
package appeal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// DefaultWindow is the period of a dossier asked for without one: the 30
// days up to now.
const DefaultWindow = 30 * 24 * time.Hour

// MaxWindow bounds a dossier's period, so that one request cannot make the
// gateway read years of history.
const MaxWindow = 400 * 24 * time.Hour

// Errors of Build.
var (
	// ErrNotFound: no such sender, or it is another tenant's.
	ErrNotFound = errors.New("appeal: no such sender for this tenant")
	// ErrWindow: the period is empty, reversed or too long.
	ErrWindow = errors.New("appeal: invalid window")
	// ErrNoIncidents: an incident was asked for and this gateway has no
	// incident source wired in.
	ErrNoIncidents = errors.New("appeal: incidents are not available")
)

// Store is what a dossier reads.
type Store interface {
	store.Appeals
	GetTenant(ctx context.Context, id string) (store.Tenant, error)
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
	GetSenderHealth(ctx context.Context, phoneNumberID string) (store.SenderHealth, error)
	GetPortfolio(ctx context.Context, id string) (store.Portfolio, error)
	EventForwards(ctx context.Context, tenantID, wabaID string, fields []string, limit int) ([]store.Forward, error)
	ListTemplates(ctx context.Context, wabaID string) ([]store.Template, error)
	TemplateSyncs(ctx context.Context) ([]store.TemplateSync, error)
	ConsentEntries(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]store.ConsentEntry, error)
}

// Ledger is the consent ledger as a dossier uses it: verify the tenant's
// chain, and know which chain records are whose.
type Ledger interface {
	Verify(ctx context.Context, tenantID string) (consent.Report, error)
	ContactKeys(ctx context.Context, tenantID string, waIDs []string) (map[string]string, error)
}

// Incident is what a dossier needs of an incident: its sender, window and
// timeline. Closed is zero while it is open.
type Incident struct {
	ID       string
	SenderID string
	Kind     string
	Opened   time.Time
	Closed   time.Time
	Timeline []Event
}

// Incidents finds a tenant's incident (an error wrapping store.ErrNotFound
// when it has none by that id). The risk engine provides it; a gateway
// without one builds dossiers for windows only.
type Incidents interface {
	Incident(ctx context.Context, tenantID, id string) (Incident, error)
}

// Request asks for one dossier: a sender over [From, To), or an incident
// (its window then), at Now.
type Request struct {
	TenantID   string
	SenderID   string
	From, To   time.Time
	IncidentID string
	Now        time.Time
}

// Builder builds dossiers. Incidents may be nil.
type Builder struct {
	Store     Store
	Ledger    Ledger
	Incidents Incidents
}

// Event is one dated entry of a timeline: something Meta said (a webhook)
// or the gateway did.
type Event struct {
	At     time.Time `json:"at"`
	Source string    `json:"source"` // meta or gateway
	Kind   string    `json:"kind"`   // webhook field, decision outcome, incident step
	Event  string    `json:"event"`  // Meta's event, or the decision's code
	Detail string    `json:"detail,omitempty"`
	Count  int       `json:"count,omitempty"` // decisions grouped: how many
}

// Dossier is everything the report shows; the JSON output is this value.
type Dossier struct {
	GeneratedAt time.Time     `json:"generated_at"`
	Tenant      string        `json:"tenant"`
	Sender      SenderInfo    `json:"sender"`
	Window      Window        `json:"window"`
	Incident    *IncidentInfo `json:"incident,omitempty"`
	Days        []Day         `json:"days"`
	Totals      Totals        `json:"totals"`
	Limit       LimitInfo     `json:"limit"`
	Consent     ConsentInfo   `json:"consent"`
	OptOuts     OptOutInfo    `json:"opt_outs"`
	Failures    []Failure     `json:"failures"`
	Templates   []TemplateRow `json:"templates"`
	Content     []Finding     `json:"content_checks"`
	Actions     []Event       `json:"actions"`
	MetaEvents  []Event       `json:"meta_events"`
	Missing     []Missing     `json:"missing"`
	Appeal      AppealInfo    `json:"appeal"`
}

// SenderInfo is the number and what Meta last said of it.
type SenderInfo struct {
	PhoneNumberID      string    `json:"phone_number_id"`
	WABAID             string    `json:"waba_id"`
	DisplayPhoneNumber string    `json:"display_phone_number"`
	State              string    `json:"gateway_state"`
	StateCode          int       `json:"gateway_state_code,omitempty"`
	StateReason        string    `json:"gateway_state_reason,omitempty"`
	StateChangedAt     time.Time `json:"gateway_state_changed_at,omitzero"`
	Quality            string    `json:"quality_rating,omitempty"`
	Status             string    `json:"status,omitempty"`
	Health             string    `json:"can_send_message,omitempty"`
	HealthUpdatedAt    time.Time `json:"health_updated_at,omitzero"`
}

// Window is the dossier's period, [From, To).
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// IncidentInfo is the incident a dossier was asked for.
type IncidentInfo struct {
	ID     string    `json:"id"`
	Kind   string    `json:"kind"`
	Opened time.Time `json:"opened"`
	Closed time.Time `json:"closed,omitzero"`
}

// Categories are the message categories a dossier counts, in report order.
var Categories = []string{"marketing", "utility", "authentication", "service"}

// Day is one UTC day's messages that Meta took, by category, and all
// accepted and failed.
type Day struct {
	Day            string `json:"day"` // 2006-01-02
	Marketing      int    `json:"marketing"`
	Utility        int    `json:"utility"`
	Authentication int    `json:"authentication"`
	Service        int    `json:"service"`
	Unknown        int    `json:"unknown_category"`
	Accepted       int    `json:"accepted"`
	Failed         int    `json:"failed"`
	// BusinessInitiated is marketing + utility + authentication: what
	// Meta's messaging limit counts (by unique recipient).
	BusinessInitiated int `json:"business_initiated"`
}

// Totals sums the days.
type Totals struct {
	Accepted          int `json:"accepted"`
	Sent              int `json:"sent"`
	Failed            int `json:"failed"`
	Marketing         int `json:"marketing"`
	Utility           int `json:"utility"`
	Authentication    int `json:"authentication"`
	Service           int `json:"service"`
	Unknown           int `json:"unknown_category"`
	BusinessInitiated int `json:"business_initiated"`
	// Refused and Deferred count the gateway's rejections and deferrals
	// in the window; ContentWarned and ContentRefused those of the
	// content rules.
	Refused        int `json:"refused"`
	Deferred       int `json:"deferred"`
	ContentWarned  int `json:"content_warned"`
	ContentRefused int `json:"content_refused"`
}

// LimitInfo sets the days against the messaging limit.
type LimitInfo struct {
	// Tier is Meta's tier as last recorded ("" when never heard); Limit
	// its unique recipients per moving 24 h (-1 unlimited, 0 unknown).
	Tier   string `json:"tier,omitempty"`
	Limit  int    `json:"limit"`
	Source string `json:"source,omitempty"` // portfolio or sender_health
	// PeakDay and PeakBusinessInitiated are the busiest day's
	// business-initiated messages. Messages bound recipients from above:
	// a peak at or under the limit shows the limit was kept that day.
	PeakDay               string `json:"peak_day,omitempty"`
	PeakBusinessInitiated int    `json:"peak_business_initiated"`
	// DaysOverLimit counts days whose business-initiated messages exceed
	// the limit; those days may still have kept it (one person can get
	// several messages), which the dossier cannot tell from counts.
	DaysOverLimit int  `json:"days_messages_over_limit"`
	WithinLimit   bool `json:"within_limit_every_day"`
}

// ConsentInfo is the share of recipients with a verified opt-in.
type ConsentInfo struct {
	Verification consent.Report `json:"verification"`
	Verified     bool           `json:"chain_verified"`
	Records      int64          `json:"records"`
	// Recipients counts (person, category) pairs that got a
	// business-initiated message Meta took in the window; WithOptIn those
	// whose latest record covering the category, at their first such
	// message, was an opt-in.
	Recipients int          `json:"recipients"`
	WithOptIn  int          `json:"with_opt_in"`
	Percent    float64      `json:"opt_in_percent"`
	ByCategory []CategoryIn `json:"by_category"`
	// ServiceRecipients got only service replies (inside a window the
	// person opened), which need no opt-in.
	ServiceRecipients int `json:"service_recipients"`
}

// CategoryIn is ConsentInfo for one category.
type CategoryIn struct {
	Category   string  `json:"category"`
	Recipients int     `json:"recipients"`
	WithOptIn  int     `json:"with_opt_in"`
	Percent    float64 `json:"opt_in_percent"`
}

// OptOutInfo is how opt-outs recorded in the window were honoured.
type OptOutInfo struct {
	// Recorded counts opt-out (and erasure) records in the window;
	// OfRecipients those of people this number messaged in it.
	Recorded     int `json:"recorded"`
	OfRecipients int `json:"of_recipients"`
	// Honoured got no message of a category they declined afterwards
	// (until they opted in again); MessagedAfter did.
	Honoured      int `json:"honoured"`
	MessagedAfter int `json:"messaged_after"`
	// MessagesAfter counts those messages; MaxLatencySeconds is the
	// longest time from an opt-out to the last message after it (0 when
	// every opt-out was honoured at once).
	MessagesAfter     int     `json:"messages_after"`
	MaxLatencySeconds float64 `json:"max_latency_seconds"`
	// SuppressionRefusals counts messages the suppression rule refused in
	// the window: opt-outs honoured at the gate.
	SuppressionRefusals int          `json:"suppression_refusals"`
	Items               []OptOutItem `json:"items"`
}

// OptOutItem is one opt-out of a recipient. It names the person only by
// the chain's contact key, as the ledger does.
type OptOutItem struct {
	Seq            int64     `json:"seq"`
	At             time.Time `json:"at"`
	Category       string    `json:"category"`
	Action         string    `json:"action"`
	MessagesAfter  int       `json:"messages_after"`
	LastSentAfter  time.Time `json:"last_sent_after,omitzero"`
	LatencySeconds float64   `json:"latency_seconds"`
}

// Failure is one error code of failed messages, with Meta's meaning.
type Failure struct {
	Code   int    `json:"code"`
	Count  int    `json:"count"`
	Title  string `json:"title"`
	Source string `json:"source"` // meta, gateway, unknown
}

// TemplateRow is one template used, with what the cache and Meta's
// webhooks say of it.
type TemplateRow struct {
	Name     string  `json:"name"`
	Language string  `json:"language"`
	Count    int     `json:"count"`
	Category string  `json:"category,omitempty"`
	Status   string  `json:"status,omitempty"`
	Quality  string  `json:"quality,omitempty"`
	History  []Event `json:"history"`
}

// Finding is one content-check outcome of what was sent.
type Finding struct {
	Outcome string    `json:"outcome"` // warn or reject
	Code    string    `json:"code"`
	Count   int       `json:"count"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
}

// Missing is one piece of data the dossier lacks, said instead of invented.
type Missing struct {
	Key  string            `json:"key"`
	Text map[string]string `json:"text"`
}

// AppealInfo is the drafted text and where to file it.
type AppealInfo struct {
	Case  string            `json:"case"`
	Texts map[string]string `json:"texts"`
	Path  map[string][]Step `json:"path"`
}

// Step is one step of Meta's appeal path.
type Step struct {
	Where string `json:"where"`
	URL   string `json:"url,omitempty"`
	What  string `json:"what"`
}

// metaFields are the webhook fields that tell of the number's standing.
var metaFields = []string{"account_update", "phone_number_quality_update", "message_template_status_update",
	"message_template_quality_update", "template_category_update", "business_capability_update", "account_alerts"}

// eventLimit bounds the webhooks read; a dossier notes when it hit it.
const eventLimit = 2000

const consentPage = 1000

// Build assembles a dossier. Bad requests wrap ErrWindow, ErrNotFound or
// ErrNoIncidents.
func (b *Builder) Build(ctx context.Context, req Request) (*Dossier, error) {
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	req.Now = req.Now.UTC()
	var inc *Incident
	if req.IncidentID != "" {
		if b.Incidents == nil {
			return nil, ErrNoIncidents
		}
		i, err := b.Incidents.Incident(ctx, req.TenantID, req.IncidentID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: incident %q", ErrNotFound, req.IncidentID)
		}
		if err != nil {
			return nil, fmt.Errorf("appeal: incident: %w", err)
		}
		inc = &i
		req.SenderID, req.From, req.To = i.SenderID, i.Opened, i.Closed
		if req.To.IsZero() {
			req.To = req.Now
		}
		// The 30 days before the incident are its background.
		req.From = req.From.Add(-DefaultWindow)
	}
	if req.To.IsZero() {
		req.To = req.Now
	}
	if req.From.IsZero() {
		req.From = req.To.Add(-DefaultWindow)
	}
	req.From, req.To = req.From.UTC().Truncate(time.Millisecond), req.To.UTC().Truncate(time.Millisecond)
	if !req.From.Before(req.To) || req.To.Sub(req.From) > MaxWindow {
		return nil, fmt.Errorf("%w: from %s to %s (at most %d days)", ErrWindow, req.From.Format(time.RFC3339), req.To.Format(time.RFC3339), int(MaxWindow/(24*time.Hour)))
	}
	snd, err := b.Store.GetSender(ctx, req.SenderID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && snd.TenantID != req.TenantID) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, req.SenderID)
	}
	if err != nil {
		return nil, fmt.Errorf("appeal: sender: %w", err)
	}
	d := &Dossier{GeneratedAt: req.Now.Truncate(time.Second), Tenant: req.TenantID, Window: Window{From: req.From, To: req.To},
		Days: []Day{}, Failures: []Failure{}, Templates: []TemplateRow{}, Content: []Finding{}, Actions: []Event{},
		MetaEvents: []Event{}, Missing: []Missing{}}
	d.Sender = SenderInfo{PhoneNumberID: snd.PhoneNumberID, WABAID: snd.WABAID, DisplayPhoneNumber: snd.DisplayPhoneNumber,
		State: string(snd.State), StateCode: snd.StateCode, StateReason: snd.StateReason, StateChangedAt: snd.StateChangedAt.UTC()}
	if inc != nil {
		d.Incident = &IncidentInfo{ID: inc.ID, Kind: inc.Kind, Opened: inc.Opened.UTC(), Closed: inc.Closed.UTC()}
	}
	sc := store.AppealScope{TenantID: req.TenantID, SenderID: snd.PhoneNumberID, From: req.From, To: req.To}

	if t, err := b.Store.GetTenant(ctx, req.TenantID); err == nil && req.From.Before(t.CreatedAt) {
		d.miss("before_tenant", t.CreatedAt.UTC().Format("2006-01-02"))
	}
	if err := b.health(ctx, d, snd); err != nil {
		return nil, err
	}
	if err := b.volumes(ctx, d, sc); err != nil {
		return nil, err
	}
	if err := b.consent(ctx, d, sc); err != nil {
		return nil, err
	}
	if err := b.failures(ctx, d, sc); err != nil {
		return nil, err
	}
	evs, err := b.metaEvents(ctx, d, sc, snd.WABAID)
	if err != nil {
		return nil, err
	}
	if err := b.templates(ctx, d, sc, snd.WABAID, evs); err != nil {
		return nil, err
	}
	if err := b.decisions(ctx, d, sc); err != nil {
		return nil, err
	}
	if inc != nil {
		d.Actions = append(d.Actions, inc.Timeline...)
	} else if b.Incidents == nil {
		d.miss("no_incidents", "")
	}
	if snd.State == store.SenderStopped && !snd.StateChangedAt.Before(req.From) && snd.StateChangedAt.Before(req.To) {
		d.Actions = append(d.Actions, Event{At: snd.StateChangedAt.UTC(), Source: "gateway", Kind: "sender_stopped",
			Event: fmt.Sprint(snd.StateCode), Detail: snd.StateReason})
	}
	sort.SliceStable(d.Actions, func(i, j int) bool { return d.Actions[i].At.Before(d.Actions[j].At) })
	d.Appeal = draft(d)
	return d, nil
}

func (d *Dossier) miss(key, arg string) {
	d.Missing = append(d.Missing, Missing{Key: key, Text: missingText(key, arg)})
}

// Has reports whether the dossier notes key as missing.
func (d *Dossier) Has(key string) bool {
	return slices.ContainsFunc(d.Missing, func(m Missing) bool { return m.Key == key })
}

func (b *Builder) health(ctx context.Context, d *Dossier, snd store.Sender) error {
	h, err := b.Store.GetSenderHealth(ctx, snd.PhoneNumberID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.miss("no_health", "")
	case err != nil:
		return fmt.Errorf("appeal: sender health: %w", err)
	default:
		d.Sender.Quality, d.Sender.Status, d.Sender.Health, d.Sender.HealthUpdatedAt = h.Quality, h.Status, h.Health, h.UpdatedAt.UTC()
	}
	if h.PortfolioID != "" {
		p, err := b.Store.GetPortfolio(ctx, h.PortfolioID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("appeal: portfolio: %w", err)
		}
		if err == nil && p.Tier != "" {
			d.Limit.Tier, d.Limit.Source = p.Tier, "portfolio"
		}
	}
	if d.Limit.Tier == "" && h.Tier != "" {
		d.Limit.Tier, d.Limit.Source = h.Tier, "sender_health"
	}
	if d.Limit.Tier != "" {
		if _, l, ok := limits.ParseTier(d.Limit.Tier); ok {
			d.Limit.Limit = l
		}
	}
	if d.Limit.Limit == 0 {
		d.miss("no_tier", "")
	}
	return nil
}

func (b *Builder) volumes(ctx context.Context, d *Dossier, sc store.AppealScope) error {
	rows, err := b.Store.AppealVolumes(ctx, sc)
	if err != nil {
		return fmt.Errorf("appeal: volumes: %w", err)
	}
	byDay := map[string]*Day{}
	first := sc.From.Truncate(24 * time.Hour)
	for t := first; t.Before(sc.To); t = t.Add(24 * time.Hour) {
		d.Days = append(d.Days, Day{Day: t.Format("2006-01-02")})
	}
	for i := range d.Days {
		byDay[d.Days[i].Day] = &d.Days[i]
	}
	for _, r := range rows {
		day := byDay[r.Day.UTC().Format("2006-01-02")]
		if day == nil {
			continue
		}
		day.Accepted += r.Accepted
		day.Failed += r.Failed
		switch r.Category {
		case "marketing":
			day.Marketing += r.Sent
		case "utility":
			day.Utility += r.Sent
		case "authentication":
			day.Authentication += r.Sent
		case "service":
			day.Service += r.Sent
		default:
			day.Unknown += r.Sent
		}
	}
	d.Limit.WithinLimit = d.Limit.Limit != 0
	for i := range d.Days {
		day := &d.Days[i]
		day.BusinessInitiated = day.Marketing + day.Utility + day.Authentication
		t := &d.Totals
		t.Accepted += day.Accepted
		t.Failed += day.Failed
		t.Marketing += day.Marketing
		t.Utility += day.Utility
		t.Authentication += day.Authentication
		t.Service += day.Service
		t.Unknown += day.Unknown
		t.BusinessInitiated += day.BusinessInitiated
		t.Sent += day.BusinessInitiated + day.Service + day.Unknown
		if day.BusinessInitiated > d.Limit.PeakBusinessInitiated {
			d.Limit.PeakDay, d.Limit.PeakBusinessInitiated = day.Day, day.BusinessInitiated
		}
		if d.Limit.Limit > 0 && day.BusinessInitiated > d.Limit.Limit {
			d.Limit.DaysOverLimit++
			d.Limit.WithinLimit = false
		}
	}
	if d.Totals.Accepted == 0 {
		d.miss("no_messages", "")
	}
	return nil
}

// covers reports whether a record of category rc speaks for a message of
// category mc.
func covers(rc, mc string) bool { return rc == mc || rc == string(consent.All) }

// declined lists the message categories an opt-out of category rc stops.
func declined(rc string) []string {
	if rc == string(consent.All) {
		return []string{"marketing", "utility", "authentication"}
	}
	return []string{rc}
}

type chainRec struct {
	seq      int64
	at       time.Time
	action   string
	category string
}

func (b *Builder) consent(ctx context.Context, d *Dossier, sc store.AppealScope) error {
	rep, err := b.Ledger.Verify(ctx, sc.TenantID)
	if err != nil {
		return fmt.Errorf("appeal: verify consent: %w", err)
	}
	ci := &d.Consent
	ci.Verification, ci.Verified, ci.Records = rep, rep.OK, rep.Records
	ci.ByCategory = []CategoryIn{}
	d.OptOuts.Items = []OptOutItem{}
	if rep.Records == 0 {
		d.miss("no_consent", "")
	} else if !rep.OK {
		d.miss("consent_broken", rep.Problem)
	}
	recs, err := b.Store.AppealRecipients(ctx, sc)
	if err != nil {
		return fmt.Errorf("appeal: recipients: %w", err)
	}
	var waIDs []string
	for _, r := range recs {
		if len(waIDs) == 0 || waIDs[len(waIDs)-1] != r.WaID {
			waIDs = append(waIDs, r.WaID)
		}
	}
	keys, err := b.Ledger.ContactKeys(ctx, sc.TenantID, waIDs)
	if err != nil {
		return fmt.Errorf("appeal: contact keys: %w", err)
	}
	person := make(map[string]string, len(keys)) // contact key → wa_id
	for w, k := range keys {
		person[k] = w
	}
	chain := map[string][]chainRec{}
	var outs []chainRec
	var outKeys []string
	for after := int64(0); ; {
		page, err := b.Store.ConsentEntries(ctx, sc.TenantID, after, consentPage)
		if err != nil {
			return fmt.Errorf("appeal: consent entries: %w", err)
		}
		for _, e := range page {
			r := chainRec{seq: e.Seq, at: e.At.UTC(), action: e.Action, category: e.Category}
			if _, ok := person[e.ContactKey]; ok {
				chain[e.ContactKey] = append(chain[e.ContactKey], r)
			}
			if (e.Action == string(consent.OptOut) || e.Action == string(consent.Erased)) && !e.At.Before(sc.From) && e.At.Before(sc.To) {
				d.OptOuts.Recorded++
				if _, ok := person[e.ContactKey]; ok {
					outs, outKeys = append(outs, r), append(outKeys, e.ContactKey)
				}
			}
		}
		if len(page) < consentPage {
			break
		}
		after = page[len(page)-1].Seq
	}

	// Opt-in share: the latest record covering the category at the first
	// business-initiated message of it.
	cats := map[string]*CategoryIn{}
	serviceOnly := map[string]bool{}
	for _, r := range recs {
		cat := r.Category
		if cat == "service" {
			if _, seen := serviceOnly[r.WaID]; !seen {
				serviceOnly[r.WaID] = true
			}
			continue
		}
		serviceOnly[r.WaID] = false
		if cat == "" {
			cat = "marketing" // unknown is judged as the strictest
		}
		c := cats[cat]
		if c == nil {
			c = &CategoryIn{Category: cat}
			cats[cat] = c
		}
		c.Recipients++
		var best *chainRec
		for i, cr := range chain[keys[r.WaID]] {
			if cr.at.After(r.First) {
				break
			}
			if covers(cr.category, cat) {
				best = &chain[keys[r.WaID]][i]
			}
		}
		if best != nil && best.action == string(consent.OptIn) {
			c.WithOptIn++
		}
	}
	for _, cat := range Categories[:3] {
		if c := cats[cat]; c != nil {
			c.Percent = percent(c.WithOptIn, c.Recipients)
			ci.ByCategory = append(ci.ByCategory, *c)
			ci.Recipients += c.Recipients
			ci.WithOptIn += c.WithOptIn
		}
	}
	ci.Percent = percent(ci.WithOptIn, ci.Recipients)
	for _, only := range serviceOnly {
		if only {
			ci.ServiceRecipients++
		}
	}

	// Opt-outs: the last message of a declined category after each, until
	// the person opted in to it again.
	for i, o := range outs {
		k := outKeys[i]
		var until time.Time
		for _, cr := range chain[k] {
			if cr.seq > o.seq && cr.action == string(consent.OptIn) && (cr.category == o.category || cr.category == string(consent.All)) {
				until = cr.at
				break
			}
		}
		last, n, err := b.Store.AppealLastSent(ctx, sc.TenantID, sc.SenderID, person[k], declined(o.category), o.at, until)
		if err != nil {
			return fmt.Errorf("appeal: last sent: %w", err)
		}
		item := OptOutItem{Seq: o.seq, At: o.at, Category: o.category, Action: o.action, MessagesAfter: n}
		d.OptOuts.OfRecipients++
		if n == 0 {
			d.OptOuts.Honoured++
		} else {
			item.LastSentAfter = last
			item.LatencySeconds = math.Round(last.Sub(o.at).Seconds()*1000) / 1000
			d.OptOuts.MessagedAfter++
			d.OptOuts.MessagesAfter += n
			d.OptOuts.MaxLatencySeconds = max(d.OptOuts.MaxLatencySeconds, item.LatencySeconds)
		}
		d.OptOuts.Items = append(d.OptOuts.Items, item)
	}
	return nil
}

// percent is a share with one decimal, as the report prints it.
func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(of)) / 10
}

func (b *Builder) failures(ctx context.Context, d *Dossier, sc store.AppealScope) error {
	rows, err := b.Store.AppealFailures(ctx, sc)
	if err != nil {
		return fmt.Errorf("appeal: failures: %w", err)
	}
	for _, r := range rows {
		f := Failure{Code: r.Code, Count: r.Count, Title: wire.Title(r.Code), Source: "unknown"}
		if _, ok := wire.AdviceFor(r.Code); ok {
			f.Source = "meta"
		} else if r.Code >= 470000 && r.Code < 480000 {
			f.Source, f.Title = "gateway", refusalTitle(r.Code)
		}
		d.Failures = append(d.Failures, f)
	}
	return nil
}

func (b *Builder) metaEvents(ctx context.Context, d *Dossier, sc store.AppealScope, wabaID string) ([]store.Forward, error) {
	fwds, err := b.Store.EventForwards(ctx, sc.TenantID, wabaID, metaFields, eventLimit)
	if err != nil {
		return nil, fmt.Errorf("appeal: meta events: %w", err)
	}
	if len(fwds) == eventLimit {
		d.miss("events_truncated", fmt.Sprint(eventLimit))
	}
	var in []store.Forward
	for i := len(fwds) - 1; i >= 0; i-- { // oldest first
		f := fwds[i]
		if f.CreatedAt.Before(sc.From) || !f.CreatedAt.Before(sc.To) {
			continue
		}
		in = append(in, f)
		d.MetaEvents = append(d.MetaEvents, metaEvent(f))
	}
	if len(d.MetaEvents) == 0 {
		d.miss("no_meta_events", "")
	}
	return in, nil
}

// metaValue is the part of a webhook value the dossier shows.
type metaValue struct {
	Event           string `json:"event"`
	Name            string `json:"message_template_name"`
	Language        string `json:"message_template_language"`
	Reason          string `json:"reason"`
	NewQuality      string `json:"new_quality_score"`
	PreviousQuality string `json:"previous_quality_score"`
	NewCategory     string `json:"new_category"`
	CurrentLimit    string `json:"current_limit"`
	DisplayPhone    string `json:"display_phone_number"`
	ViolationInfo   *struct {
		ViolationType string `json:"violation_type"`
	} `json:"violation_info"`
	RestrictionInfo []struct {
		RestrictionType string `json:"restriction_type"`
		Expiration      int64  `json:"expiration"`
	} `json:"restriction_info"`
	BanInfo *struct {
		State string `json:"waba_ban_state"`
		Date  string `json:"waba_ban_date"`
	} `json:"ban_info"`
}

func metaEvent(f store.Forward) Event {
	ev := Event{At: f.CreatedAt.UTC(), Source: "meta", Kind: f.Field}
	var v metaValue
	if err := json.Unmarshal(f.Value, &v); err != nil {
		ev.Detail = "unreadable value"
		return ev
	}
	ev.Event = v.Event
	var parts []string
	add := func(k, s string) {
		if s != "" {
			parts = append(parts, k+"="+s)
		}
	}
	add("template", v.Name)
	add("language", v.Language)
	add("reason", v.Reason)
	add("previous_quality", v.PreviousQuality)
	add("new_quality", v.NewQuality)
	add("new_category", v.NewCategory)
	add("current_limit", v.CurrentLimit)
	if v.ViolationInfo != nil {
		add("violation_type", v.ViolationInfo.ViolationType)
	}
	for _, r := range v.RestrictionInfo {
		s := r.RestrictionType
		if r.Expiration > 0 {
			s += " until " + time.Unix(r.Expiration, 0).UTC().Format(time.RFC3339)
		}
		add("restriction", s)
	}
	if v.BanInfo != nil {
		add("ban_state", v.BanInfo.State)
		add("ban_date", v.BanInfo.Date)
	}
	if ev.Event == "" && v.NewQuality != "" {
		ev.Event = "QUALITY_" + v.NewQuality
	}
	for i, p := range parts {
		if i > 0 {
			ev.Detail += ", "
		}
		ev.Detail += p
	}
	return ev
}

func (b *Builder) templates(ctx context.Context, d *Dossier, sc store.AppealScope, wabaID string, evs []store.Forward) error {
	use, err := b.Store.AppealTemplates(ctx, sc)
	if err != nil {
		return fmt.Errorf("appeal: templates: %w", err)
	}
	if len(use) == 0 {
		return nil
	}
	cached, err := b.Store.ListTemplates(ctx, wabaID)
	if err != nil {
		return fmt.Errorf("appeal: template cache: %w", err)
	}
	syncs, err := b.Store.TemplateSyncs(ctx)
	if err != nil {
		return fmt.Errorf("appeal: template syncs: %w", err)
	}
	if !slices.ContainsFunc(syncs, func(s store.TemplateSync) bool { return s.WABAID == wabaID }) {
		d.miss("no_template_sync", "")
	}
	for _, u := range use {
		row := TemplateRow{Name: u.Name, Language: u.Language, Count: u.Count, History: []Event{}}
		if u.Name == "" {
			d.miss("erased_bodies", fmt.Sprint(u.Count))
		}
		for _, t := range cached {
			if t.Name == u.Name && t.Language == u.Language {
				row.Category, row.Status, row.Quality = t.Category, t.Status, t.Quality
			}
		}
		for _, f := range evs {
			if f.Field != "message_template_status_update" && f.Field != "message_template_quality_update" && f.Field != "template_category_update" {
				continue
			}
			var v metaValue
			if json.Unmarshal(f.Value, &v) == nil && v.Name == u.Name && (v.Language == "" || v.Language == u.Language) {
				row.History = append(row.History, metaEvent(f))
			}
		}
		d.Templates = append(d.Templates, row)
	}
	return nil
}

func (b *Builder) decisions(ctx context.Context, d *Dossier, sc store.AppealScope) error {
	rows, err := b.Store.AppealDecisions(ctx, sc)
	if err != nil {
		return fmt.Errorf("appeal: decisions: %w", err)
	}
	for _, r := range rows {
		if r.Rule == "content" && (r.Outcome == store.OutcomeWarn || r.Outcome == store.OutcomeReject) {
			d.Content = append(d.Content, Finding{Outcome: string(r.Outcome), Code: r.Code, Count: r.Count, First: r.First.UTC(), Last: r.Last.UTC()})
			if r.Outcome == store.OutcomeWarn {
				d.Totals.ContentWarned += r.Count
			} else {
				d.Totals.ContentRefused += r.Count
			}
		}
		switch r.Outcome {
		case store.OutcomeReject:
			d.Totals.Refused += r.Count
		case store.OutcomeDefer:
			d.Totals.Deferred += r.Count
		}
		if r.Rule == "suppression" && r.Outcome == store.OutcomeReject {
			d.OptOuts.SuppressionRefusals += r.Count
		}
		if r.Outcome == store.OutcomeDefer || r.Outcome == store.OutcomeReject {
			detail := r.Rule
			if r.GraphCode != 0 {
				detail = fmt.Sprintf("%s, code %d", r.Rule, r.GraphCode)
			}
			d.Actions = append(d.Actions, Event{At: r.First.UTC(), Source: "gateway", Kind: string(r.Outcome), Event: r.Code,
				Detail: detail + ", last " + r.Last.UTC().Format(time.RFC3339), Count: r.Count})
		}
	}
	return nil
}
