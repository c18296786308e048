// Package campaign sends a template to an audience: checkpointed, paced by
// the same limits as every message, pausable by hand or by the risk engine,
// with a pre-flight that says before sending who will be skipped and why
// and when it will finish.
//
// A campaign is one more caller of the intake path: each contact's message
// is built as a Graph send request and offered to intake.Service.Accept,
// exactly as the Graph endpoint does, so every message goes through the
// compliance pipeline, the group commit and the dispatcher's pacing. The
// sending runs on the shared worker loop (internal/worker), one chunk of
// contacts per campaign per round. See docs/campaigns.md.
package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/worker"
)

// Store is what campaigns read and write.
type Store interface {
	store.Campaigns
	ListContacts(ctx context.Context, q store.ContactQuery) ([]store.Contact, error)
	GetAudience(ctx context.Context, tenantID, id string) (store.Audience, error)
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
}

// Intake is the acceptance path (intake.Service).
type Intake interface {
	Accept(ctx context.Context, req intake.Request) (intake.Result, error)
	Evaluate(ctx context.Context, req intake.Request) (policy.Decision, *policy.Message, error)
}

// Forecaster plans a send from a sender (limits.Quota).
type Forecaster interface {
	Forecast(ctx context.Context, s store.Sender, recipients int, now, dayEnd time.Time, quiet limits.QuietHours) (limits.SenderForecast, error)
}

// Defaults of Config.
const (
	DefaultChunk = 200
	// DefaultParallel lets a chunk's acceptances share group commits.
	DefaultParallel = 64
	// MaxDue bounds the campaigns one round works on.
	MaxDue = 16
)

// Config wires a Service.
type Config struct {
	Store Store
	// Intake is the acceptance path; without it (the CLI, which only
	// reads and changes states) Round and Preflight refuse to run.
	Intake Intake
	// Forecaster is optional: without it a pre-flight has no finish time.
	Forecaster Forecaster
	// Quiet returns a tenant's quiet hours for the forecast (nil: none).
	Quiet func(tenantID string) limits.QuietHours
	// Chunk is how many contacts of the audience one round walks per
	// campaign before it checkpoints (DefaultChunk when zero).
	Chunk int
	// Parallel bounds the acceptances a chunk has in flight at once
	// (DefaultParallel when zero).
	Parallel int
	// Lang is the language of refusal reasons shown in a campaign's state.
	Lang   refusal.Lang
	Logger *slog.Logger
	Now    func() time.Time
	// OnAccepted, when set, is told of every message a round had accepted
	// before its checkpoint: tests stop a round there to play a crash.
	OnAccepted func(campaignID, waID, messageID string) error
}

// Service manages campaigns and runs their rounds.
type Service struct {
	cfg  Config
	loop *worker.Loop
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("campaign: Config.Store is required")
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = DefaultChunk
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Lang == "" {
		cfg.Lang = refusal.EN
	}
	s := &Service{cfg: cfg}
	s.loop = worker.New(worker.Config{
		Name: "campaigns", Round: s.Round, Full: func(n int) bool { return n > 0 },
		Poll: time.Second, Linger: 20 * time.Millisecond, Logger: cfg.Logger,
	})
	return s, nil
}

// Run sends due campaigns until ctx ends.
func (s *Service) Run(ctx context.Context) error { return s.loop.Run(ctx) }

// Wake makes the loop look for due campaigns at once.
func (s *Service) Wake() { s.loop.Notify() }

var errNoIntake = errors.New("campaign: no intake path wired (sending and pre-flights run in the server)")

// ErrInvalid is matched by every refusal of bad input (a *FieldError).
var ErrInvalid = errors.New("campaign: invalid")

// FieldError names the field at fault.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return fmt.Sprintf("campaign: %s: %s", e.Field, e.Reason) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

var idRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// MaxParams bounds a campaign's body parameters.
const MaxParams = 20

// Spec is what a campaign is created from.
type Spec struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	PhoneNumberID    string    `json:"phone_number_id"`
	TemplateName     string    `json:"template"`
	TemplateLanguage string    `json:"language"`
	Params           []string  `json:"params"`
	AudienceID       string    `json:"audience_id"`
	StartAt          time.Time `json:"start_at,omitzero"`
}

// View is a campaign as the API shows it.
type View struct {
	ID               string           `json:"id"`
	Name             string           `json:"name"`
	PhoneNumberID    string           `json:"phone_number_id"`
	TemplateName     string           `json:"template"`
	TemplateLanguage string           `json:"language"`
	Params           []string         `json:"params"`
	AudienceID       string           `json:"audience_id"`
	StartAt          time.Time        `json:"start_at,omitzero"`
	State            string           `json:"state"`
	StateReason      string           `json:"state_reason,omitempty"`
	Cursor           string           `json:"cursor,omitempty"`
	Targeted         int64            `json:"targeted"`
	Accepted         int64            `json:"accepted"`
	Refused          map[string]int64 `json:"refused"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`
	StartedAt        time.Time        `json:"started_at,omitzero"`
	FinishedAt       time.Time        `json:"finished_at,omitzero"`
}

func view(c store.Campaign) (View, error) {
	v := View{ID: c.ID, Name: c.Name, PhoneNumberID: c.SenderID, TemplateName: c.TemplateName, TemplateLanguage: c.TemplateLanguage,
		AudienceID: c.AudienceID, StartAt: c.StartAt, State: string(c.State), StateReason: c.StateReason, Cursor: c.Cursor,
		Targeted: c.Targeted, Accepted: c.Accepted, Refused: map[string]int64{}, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		StartedAt: c.StartedAt, FinishedAt: c.FinishedAt}
	if err := json.Unmarshal(c.Params, &v.Params); err != nil {
		return v, fmt.Errorf("campaign %s: params: %w", c.ID, err)
	}
	if len(c.Refused) > 0 {
		if err := json.Unmarshal(c.Refused, &v.Refused); err != nil {
			return v, fmt.Errorf("campaign %s: refused: %w", c.ID, err)
		}
	}
	if v.Params == nil {
		v.Params = []string{}
	}
	return v, nil
}

// Create stores a new campaign as a draft.
func (s *Service) Create(ctx context.Context, tenantID string, sp Spec) (View, error) {
	switch {
	case !idRE.MatchString(sp.ID):
		return View{}, invalid("id", "%q is not an id: lower-case letters, digits, _ and -, up to 64", sp.ID)
	case sp.Name == "" || len(sp.Name) > 256:
		return View{}, invalid("name", "is required, up to 256 bytes")
	case sp.TemplateName == "":
		return View{}, invalid("template", "is required")
	case sp.TemplateLanguage == "":
		return View{}, invalid("language", "is required (the template's language code, e.g. pt_BR)")
	case len(sp.Params) > MaxParams:
		return View{}, invalid("params", "at most %d", MaxParams)
	}
	for i, p := range sp.Params {
		if _, err := parseParam(p); err != nil {
			return View{}, invalid(fmt.Sprintf("params[%d]", i), "%v", err)
		}
	}
	snd, err := s.cfg.Store.GetSender(ctx, sp.PhoneNumberID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && snd.TenantID != tenantID) {
		return View{}, invalid("phone_number_id", "%q is not one of the tenant's numbers", sp.PhoneNumberID)
	}
	if err != nil {
		return View{}, fmt.Errorf("campaign: sender: %w", err)
	}
	if _, err := s.cfg.Store.GetAudience(ctx, tenantID, sp.AudienceID); errors.Is(err, store.ErrNotFound) {
		return View{}, invalid("audience_id", "no audience %q", sp.AudienceID)
	} else if err != nil {
		return View{}, fmt.Errorf("campaign: audience: %w", err)
	}
	params := sp.Params
	if params == nil {
		params = []string{}
	}
	pj, err := json.Marshal(params)
	if err != nil {
		return View{}, fmt.Errorf("campaign: params: %w", err)
	}
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	c := store.Campaign{TenantID: tenantID, ID: sp.ID, Name: sp.Name, SenderID: sp.PhoneNumberID, TemplateName: sp.TemplateName,
		TemplateLanguage: sp.TemplateLanguage, Params: pj, AudienceID: sp.AudienceID, StartAt: sp.StartAt.UTC().Truncate(time.Millisecond),
		State: store.CampaignDraft, Refused: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
	if sp.StartAt.IsZero() {
		c.StartAt = time.Time{}
	}
	if err := s.cfg.Store.CreateCampaign(ctx, c); err != nil {
		return View{}, err
	}
	return s.Get(ctx, tenantID, sp.ID)
}

// Get returns one campaign.
func (s *Service) Get(ctx context.Context, tenantID, id string) (View, error) {
	c, err := s.cfg.Store.GetCampaign(ctx, tenantID, id)
	if err != nil {
		return View{}, err
	}
	return view(c)
}

// List returns a tenant's campaigns by id.
func (s *Service) List(ctx context.Context, tenantID string) ([]View, error) {
	cs, err := s.cfg.Store.ListCampaigns(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(cs))
	for _, c := range cs {
		v, err := view(c)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) move(ctx context.Context, tenantID, id string, from []store.CampaignState, to store.CampaignState, reason string) (View, error) {
	c, err := s.cfg.Store.SetCampaignState(ctx, tenantID, id, from, to, reason, s.cfg.Now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return View{}, err
	}
	if to == store.CampaignRunning || to == store.CampaignScheduled {
		s.Wake()
	}
	return view(c)
}

// Start schedules a draft (or pre-flighted) campaign: it runs from its
// start time, at once when it has none or it passed.
func (s *Service) Start(ctx context.Context, tenantID, id string) (View, error) {
	return s.move(ctx, tenantID, id, []store.CampaignState{store.CampaignDraft, store.CampaignPreflight}, store.CampaignScheduled, "")
}

// Pause stops a scheduled or running campaign where its checkpoint is; a
// chunk already being sent finishes first.
func (s *Service) Pause(ctx context.Context, tenantID, id, reason string) (View, error) {
	if reason == "" {
		reason = "paused by hand"
	}
	return s.move(ctx, tenantID, id, []store.CampaignState{store.CampaignScheduled, store.CampaignRunning}, store.CampaignPaused, reason)
}

// PauseForRisk is the risk engine's brake: it pauses a campaign with the
// engine's reason (shown in the campaign's state_reason). It is Pause under
// another name so that the caller's intent reads in its code and logs.
func (s *Service) PauseForRisk(ctx context.Context, tenantID, id, reason string) (View, error) {
	s.cfg.Logger.InfoContext(ctx, "campaign paused by the risk engine", "tenant_id", tenantID, "campaign", id, "reason", reason)
	return s.Pause(ctx, tenantID, id, "risk: "+reason)
}

// Resume continues a paused campaign from its checkpoint.
func (s *Service) Resume(ctx context.Context, tenantID, id string) (View, error) {
	return s.move(ctx, tenantID, id, []store.CampaignState{store.CampaignPaused}, store.CampaignRunning, "")
}

// Cancel ends a campaign for good; messages already accepted still go.
func (s *Service) Cancel(ctx context.Context, tenantID, id string) (View, error) {
	return s.move(ctx, tenantID, id, []store.CampaignState{store.CampaignDraft, store.CampaignPreflight, store.CampaignScheduled,
		store.CampaignRunning, store.CampaignPaused}, store.CampaignCancelled, "cancelled")
}

// IdempotencyKey is the key a campaign's message to a contact is accepted
// under: the same for every attempt, so intake replays the first answer
// rather than accepting a second message (see docs/campaigns.md).
func IdempotencyKey(campaignID, waID string) string {
	return "wabaguard-campaign/" + campaignID + "/" + waID
}

// templatePausing are the refusals that concern the template itself, not
// the contact: every later contact would get the same, so the campaign
// pauses and says why.
var templatePausing = map[refusal.Code]bool{
	refusal.TemplateUnknown: true, refusal.TemplateNotApproved: true, refusal.TemplatePaused: true, refusal.TemplateDisabled: true,
}

// refusalKey is how a refusal is counted: the catalogue's key when it has
// one, the decision's code otherwise.
func refusalKey(d policy.Decision) string {
	if e, ok := refusal.Lookup(d.Refusal); ok {
		return e.Key
	}
	if d.Code != "" {
		return d.Code
	}
	return d.Rule
}

func paramMissingKey() string {
	e, _ := refusal.Lookup(refusal.CampaignParamMissing)
	return e.Key
}

func (s *Service) filterOf(ctx context.Context, c store.Campaign) (*contact.Filter, error) {
	a, err := s.cfg.Store.GetAudience(ctx, c.TenantID, c.AudienceID)
	if err != nil {
		return nil, fmt.Errorf("campaign %s: audience %s: %w", c.ID, c.AudienceID, err)
	}
	f, err := contact.ParseFilter(a.Filter)
	if err != nil {
		return nil, fmt.Errorf("campaign %s: audience %s: %w", c.ID, c.AudienceID, err)
	}
	return &f, nil
}

func paramsOf(c store.Campaign) ([]param, error) {
	var raw []string
	if err := json.Unmarshal(c.Params, &raw); err != nil {
		return nil, fmt.Errorf("campaign %s: params: %w", c.ID, err)
	}
	out := make([]param, len(raw))
	for i, r := range raw {
		p, err := parseParam(r)
		if err != nil {
			return nil, fmt.Errorf("campaign %s: params[%d]: %w", c.ID, i, err)
		}
		out[i] = p
	}
	return out, nil
}

// Round does one round of every due campaign: a scheduled one whose time
// came starts running, and each running one sends its next chunk. It
// reports how many contacts it walked.
func (s *Service) Round(ctx context.Context) (int, error) {
	if s.cfg.Intake == nil {
		return 0, errNoIntake
	}
	now := s.cfg.Now()
	due, err := s.cfg.Store.DueCampaigns(ctx, now, MaxDue)
	if err != nil {
		return 0, fmt.Errorf("campaign: due: %w", err)
	}
	total := 0
	var errs []error
	for _, c := range due {
		if c.State == store.CampaignScheduled {
			c, err = s.cfg.Store.SetCampaignState(ctx, c.TenantID, c.ID, []store.CampaignState{store.CampaignScheduled},
				store.CampaignRunning, "", now.UTC().Truncate(time.Millisecond))
			if errors.Is(err, store.ErrCampaignState) {
				continue // paused or cancelled meanwhile
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
		}
		n, err := s.chunk(ctx, c)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("campaign %s/%s: %w", c.TenantID, c.ID, err))
		}
	}
	return total, errors.Join(errs...)
}

// chunk walks the next contacts after the campaign's cursor, offers each
// one's message to intake, and checkpoints. Nothing of a chunk counts
// until its checkpoint: a chunk cut short (a crash, an error) runs again
// from the same cursor, and the idempotency key makes each contact's
// message the one accepted the first time.
func (s *Service) chunk(ctx context.Context, c store.Campaign) (int, error) {
	f, err := s.filterOf(ctx, c)
	if err != nil {
		return 0, err
	}
	params, err := paramsOf(c)
	if err != nil {
		return 0, err
	}
	page, err := s.cfg.Store.ListContacts(ctx, store.ContactQuery{TenantID: c.TenantID, After: c.Cursor, Limit: s.cfg.Chunk})
	if err != nil {
		return 0, fmt.Errorf("contacts: %w", err)
	}
	now := s.cfg.Now()
	cp := store.CampaignCheckpoint{TenantID: c.TenantID, ID: c.ID, From: c.Cursor, To: c.Cursor, Refused: map[string]int64{},
		Done: len(page) < s.cfg.Chunk}
	pause := ""
	walked := 0
	// First the contacts the chunk offers, in cursor order; then their
	// acceptances, concurrently, so that they share the intake's group
	// commits (one at a time, every message would wait for its own); then
	// the outcomes, in order again, so the checkpoint stops exactly before
	// a contact whose template refusal pauses the campaign.
	type offer struct {
		ct      store.Contact
		skip    bool   // not in the audience
		missing string // a parameter the contact lacks
		body    []byte
		res     intake.Result
		err     error
	}
	offers := make([]offer, len(page))
	for i, ct := range page {
		o := offer{ct: ct, skip: !f.Match(ct, now)}
		if !o.skip {
			body, missing, err := buildRequest(c, params, ct)
			if err != nil {
				return 0, err
			}
			o.body, o.missing = body, missing
		}
		offers[i] = o
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.cfg.Parallel)
	for i := range offers {
		o := &offers[i]
		if o.skip || o.missing != "" {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o.res, o.err = s.cfg.Intake.Accept(ctx, intake.Request{TenantID: c.TenantID, PhoneNumberID: c.SenderID, Body: o.body,
				IdempotencyKey: IdempotencyKey(c.ID, o.ct.WaID), Lang: s.cfg.Lang})
		}()
	}
	wg.Wait()
	for _, o := range offers {
		ct := o.ct
		switch {
		case o.skip:
			cp.To = ct.WaID
			walked++
			continue
		case o.missing != "":
			cp.Targeted++
			cp.Refused[paramMissingKey()]++
			s.cfg.Logger.InfoContext(ctx, "campaign contact lacks a template parameter", "campaign", c.ID, "tenant_id", c.TenantID, "param", o.missing)
			cp.To = ct.WaID
			walked++
			continue
		case o.err != nil:
			// Nothing of this chunk is checkpointed: it runs again, and
			// what was accepted replays.
			return walked, fmt.Errorf("accept: %w", o.err)
		}
		res := o.res
		switch res.Outcome {
		case intake.Accepted, intake.Replayed:
			id := res.MessageID
			if id == "" {
				id = messageIDOf(res.Answer)
			}
			if s.cfg.OnAccepted != nil {
				if err := s.cfg.OnAccepted(c.ID, ct.WaID, id); err != nil {
					return walked, err
				}
			}
			cp.Targeted++
			cp.Accepted++
			cp.Messages = append(cp.Messages, store.CampaignMessage{WaID: ct.WaID, MessageID: id})
		case intake.Refused:
			if templatePausing[res.Decision.Refusal] {
				// This contact is not passed: after a resume it is offered
				// again, with the template perhaps approved by then (and
				// any later contact of the chunk accepted meanwhile
				// replays under its key).
				pause = fmt.Sprintf("template %s (%s): %s", c.TemplateName, c.TemplateLanguage, refusalKey(res.Decision))
				if res.Err != nil && res.Err.Message != "" {
					pause += " — " + res.Err.Message
				}
				cp.Done = false
			} else {
				cp.Targeted++
				cp.Refused[refusalKey(res.Decision)]++
			}
		default:
			return walked, fmt.Errorf("unexpected intake outcome %d", res.Outcome)
		}
		if pause != "" {
			break
		}
		cp.To = ct.WaID
		walked++
	}
	cp.At = s.cfg.Now().UTC().Truncate(time.Millisecond)
	ok, err := s.cfg.Store.CheckpointCampaign(ctx, cp)
	if err != nil {
		return walked, fmt.Errorf("checkpoint: %w", err)
	}
	if !ok {
		// Another round (another replica) passed this cursor first; its
		// checkpoint counted the same contacts and the same messages.
		s.cfg.Logger.InfoContext(ctx, "campaign chunk already checkpointed", "campaign", c.ID, "tenant_id", c.TenantID, "cursor", c.Cursor)
		return walked, nil
	}
	if pause != "" {
		if _, err := s.cfg.Store.SetCampaignState(ctx, c.TenantID, c.ID, []store.CampaignState{store.CampaignRunning},
			store.CampaignPaused, pause, cp.At); err != nil && !errors.Is(err, store.ErrCampaignState) {
			return walked, fmt.Errorf("pause: %w", err)
		}
		s.cfg.Logger.WarnContext(ctx, "campaign paused itself", "campaign", c.ID, "tenant_id", c.TenantID, "reason", pause)
		return 0, nil
	}
	if cp.Done {
		return 0, nil
	}
	return max(walked, 1), nil
}

// messageIDOf reads the message id of a stored Graph answer.
func messageIDOf(answer []byte) string {
	var a struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if json.Unmarshal(answer, &a) != nil || len(a.Messages) == 0 {
		return ""
	}
	return a.Messages[0].ID
}

// splitParam returns the expression inside "{{…}}", or "" for literal text.
func splitParam(p string) (string, bool) {
	if strings.HasPrefix(p, "{{") && strings.HasSuffix(p, "}}") && len(p) > 4 {
		return strings.TrimSpace(p[2 : len(p)-2]), true
	}
	return "", false
}

func (s *Service) quiet(tenantID string) limits.QuietHours {
	if s.cfg.Quiet == nil {
		return nil
	}
	return s.cfg.Quiet(tenantID)
}
