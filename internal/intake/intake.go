// Package intake is the one acceptance path of a message: idempotency, the
// request rules (ownership, schema, recipient), the facts loader, the fact
// rules (suppression, consent, window, template…), the group commit and the
// dispatcher's wake-up. It knows no HTTP: the Graph endpoint, the management
// API, campaigns and `wabaguard check` all call it, and each only translates
// its own input and output.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wabaguard/wabaguard/internal/batch"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Store is what intake reads and writes.
type Store interface {
	// CommitIntake records a batch of intakes in one transaction.
	CommitIntake(ctx context.Context, items []*store.Intake) error
	// GetIdempotency returns the stored answer for (tenant, key).
	GetIdempotency(ctx context.Context, tenantID, key string) (store.Idempotency, error)
	// GetSender returns a sender by phone_number_id.
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
}

// FactsLoader fills the facts of a message whose request rules allowed it
// (m.WaID and m.Request are set).
type FactsLoader interface {
	Load(ctx context.Context, m *policy.Message) (policy.Facts, error)
}

// Defaults of Config.
const (
	DefaultMaxBatch = 512
	// MaxIdempotencyKey is the longest idempotency key accepted.
	MaxIdempotencyKey = 255
)

// Config wires a Service.
type Config struct {
	Store Store
	// Pipeline holds the request rules: they parse and normalise the
	// request and need no facts. Ownership always runs first whatever it
	// lists. Required.
	Pipeline *policy.Pipeline
	// Rules are the fact rules, run after Facts loaded them; nil for none.
	Rules *policy.Pipeline
	// TenantRules replaces Rules for the tenants it names.
	TenantRules map[string]*policy.Pipeline
	// Facts loads what Rules read; nil leaves facts unloaded, and the fact
	// rules then allow.
	Facts FactsLoader
	// Notify wakes the dispatcher of a sender after its messages committed.
	Notify func(senderID string)
	// MaxBatch bounds intakes per group commit.
	MaxBatch int
	// SenderTTL bounds how long a sender read from the store is reused
	// (250 ms when zero; negative: read every time). A sender's tenant and
	// state change rarely, and the dispatcher checks the state again.
	SenderTTL time.Duration
	// Stopped is the Graph error a send to a stopped sender is refused
	// with; nil queues such sends (they wait for the sender's resume).
	Stopped func(store.Sender) *wire.Error
	// Cadence returns a tenant's frequency caps and repeat period; the
	// commit checks them again inside its transaction and records each
	// counted send (see store.Cadence). Nil counts nothing.
	Cadence func(tenantID string) CadenceLimits
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	Now     func() time.Time
}

// Service is the acceptance path.
type Service struct {
	st        Store
	request   *policy.Pipeline
	rules     *policy.Pipeline
	perTenant map[string]*policy.Pipeline
	facts     FactsLoader
	notify    func(string)
	log       *slog.Logger
	metrics   *metrics.Metrics
	now       func() time.Time
	locks     *keyLocks
	senders   *senderCache
	stopped   func(store.Sender) *wire.Error
	cadence   func(string) CadenceLimits
	commit    *batch.Committer[*store.Intake]
	pending   sync.WaitGroup
	closeOne  sync.Once
}

// New builds a Service and starts its group committer.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("intake: Config.Store is required")
	}
	if cfg.Pipeline == nil {
		return nil, errors.New("intake: Config.Pipeline is required")
	}
	s := &Service{
		st: cfg.Store, request: cfg.Pipeline, rules: cfg.Rules, perTenant: cfg.TenantRules, facts: cfg.Facts,
		notify: cfg.Notify, log: cfg.Logger, metrics: cfg.Metrics, now: cfg.Now, locks: newKeyLocks(),
	}
	s.senders = newSenderCache(cfg.Store, cfg.SenderTTL)
	s.stopped = cfg.Stopped
	s.cadence = cfg.Cadence
	if s.rules == nil {
		s.rules = policy.New()
	}
	if s.notify == nil {
		s.notify = func(string) {}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = metrics.New(prometheus.NewRegistry())
	}
	if s.now == nil {
		s.now = time.Now
	}
	maxBatch := cfg.MaxBatch
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatch
	}
	s.commit = batch.New(s.flush, maxBatch)
	return s, nil
}

func (s *Service) flush(ctx context.Context, items []*store.Intake) error {
	s.metrics.CommitBatch.WithLabelValues("intake").Observe(float64(len(items)))
	if err := s.st.CommitIntake(ctx, items); err != nil {
		return fmt.Errorf("intake: commit %d intakes: %w", len(items), err)
	}
	return nil
}

// Close waits for refusals still being recorded, flushes the committer and
// stops it. Call it once no caller submits any more.
func (s *Service) Close() {
	s.closeOne.Do(func() {
		s.pending.Wait()
		s.commit.Close()
	})
}

// Request is one message offered for acceptance.
type Request struct {
	TenantID      string
	PhoneNumberID string
	// Body is the Cloud API send request as the client wrote it.
	Body []byte
	// IdempotencyKey, when set, makes a repeated request replay the first
	// accepted answer.
	IdempotencyKey string
	// Lang is the language of refusal explanations.
	Lang refusal.Lang
	// Now is when the request arrived; the service's clock when zero.
	Now time.Time
}

// Outcome is what became of a request.
type Outcome int

// Outcomes.
const (
	// Accepted: committed (allowed, or deferred to Decision.Until); Answer
	// is Meta's success body.
	Accepted Outcome = iota + 1
	// Refused: Err is the Graph error to answer; the decision is recorded.
	Refused
	// Replayed: a request with the same idempotency key was accepted
	// before; Answer and Status are its stored answer.
	Replayed
	// Relay: a mark-as-read, which is not queued; the caller passes it to
	// the Cloud API for Sender.
	Relay
)

// Result is the outcome of Accept.
type Result struct {
	Outcome  Outcome
	Decision policy.Decision
	// MessageID is the wamid-shaped id the gateway gave an accepted message.
	MessageID string
	// Answer is the body to answer with (Accepted, Replayed) and Status its
	// HTTP status.
	Answer []byte
	Status int
	// Err is the Graph error of a refusal.
	Err *wire.Error
	// Sender is the sending number, when the gateway knows it.
	Sender store.Sender
}

// ErrGone reports that ctx ended before the outcome was known.
var ErrGone = errors.New("intake: caller gone")

// Accept runs a request through the whole path. An error means the gateway
// itself failed (or ctx ended: ErrGone); every refusal is a Result.
func (s *Service) Accept(ctx context.Context, req Request) (Result, error) {
	start := time.Now()
	defer func() { s.metrics.AcceptLatency.Observe(time.Since(start).Seconds()) }()
	if req.Now.IsZero() {
		req.Now = s.now()
	}
	if len(req.IdempotencyKey) > MaxIdempotencyKey {
		return s.Refuse(ctx, req, "", policy.Rejected("request", "request.idempotency_key", wire.CodeInvalidParameter,
			fmt.Sprintf("The Idempotency-Key header must be at most %d characters.", MaxIdempotencyKey))), nil
	}
	if req.IdempotencyKey != "" {
		release, err := s.locks.acquire(ctx, req.TenantID+"\x00"+req.IdempotencyKey)
		if err != nil {
			return Result{}, ErrGone
		}
		defer release()
		if res, found, err := s.replay(ctx, req); err != nil || found {
			return res, err
		}
	}
	m, snd, d, err := s.evaluate(ctx, req, true)
	if err != nil {
		return Result{}, err
	}
	if d.Outcome == policy.Reject {
		return s.Refuse(ctx, req, m.WaID, d), nil
	}
	if m.Request.IsMarkRead() {
		return Result{Outcome: Relay, Decision: d, Sender: snd}, nil
	}
	return s.accept(ctx, req, m, snd, d)
}

// Evaluate decides on a request as Accept would, without committing or
// recording anything: `wabaguard check` and pre-flights call it.
func (s *Service) Evaluate(ctx context.Context, req Request) (policy.Decision, *policy.Message, error) {
	if req.Now.IsZero() {
		req.Now = s.now()
	}
	m, _, d, err := s.evaluate(ctx, req, true)
	return d, m, err
}

// Categories of the gateway's own messages to a person.
const (
	// CategoryConfirmation is the one reply that confirms an opt-out a
	// person just sent: the only message the fact rules let through to a
	// suppressed person, at intake and at send time alike.
	CategoryConfirmation = "optout_confirmation"
	// CategoryOptInRequest is the template asking a person to confirm an
	// opt-in recorded off WhatsApp (double opt-in): suppression applies to
	// it, consent cannot (it is how consent is asked for).
	CategoryOptInRequest = "optin_request"
)

// AcceptConfirmation accepts the confirmation of an opt-out (a text body to
// the person who just opted out, inside the window their message opened):
// the request rules run, the fact rules do not, since they would refuse the
// person precisely for having opted out. The decision is recorded as
// suppression.confirmation.
func (s *Service) AcceptConfirmation(ctx context.Context, req Request) (Result, error) {
	return s.acceptOwn(ctx, req, CategoryConfirmation, "suppression", "suppression.confirmation",
		"The one reply confirming the person's opt-out.", nil)
}

// AcceptOptInRequest accepts the template asking a person to confirm an
// opt-in (double opt-in): the request rules and suppression run, consent
// does not. The decision is recorded as consent.confirmation_requested.
func (s *Service) AcceptOptInRequest(ctx context.Context, req Request) (Result, error) {
	return s.acceptOwn(ctx, req, CategoryOptInRequest, "consent", "consent.confirmation_requested",
		"The template asking the person to confirm their opt-in.", policy.New(policy.Suppression{}))
}

// acceptOwn accepts a message of the gateway's own making, with only the
// given fact rules.
func (s *Service) acceptOwn(ctx context.Context, req Request, category, rule, code, reason string, rules *policy.Pipeline) (Result, error) {
	if req.Now.IsZero() {
		req.Now = s.now()
	}
	m, snd, d, err := s.evaluate(ctx, req, false)
	if err != nil {
		return Result{}, err
	}
	if d.Outcome == policy.Reject {
		return s.Refuse(ctx, req, m.WaID, d), nil
	}
	if m.Request.IsMarkRead() {
		return Result{}, errors.New("intake: the gateway's own message cannot be a mark-as-read")
	}
	if rules != nil && s.facts != nil {
		f, err := s.facts.Load(ctx, m)
		if err != nil {
			return Result{}, fmt.Errorf("intake: load facts: %w", err)
		}
		f.Lang = req.Lang
		m.Facts = f
		if fd := rules.Evaluate(ctx, m); fd.Outcome != policy.Allow {
			return s.Refuse(ctx, req, m.WaID, fd), nil
		}
	}
	m.Category = category
	d = policy.Decision{Outcome: policy.Allow, Rule: rule, Code: code, Reason: reason}
	return s.accept(ctx, req, m, snd, d)
}

func (s *Service) evaluate(ctx context.Context, req Request, facts bool) (*policy.Message, store.Sender, policy.Decision, error) {
	m := &policy.Message{TenantID: req.TenantID, PhoneNumberID: req.PhoneNumberID, Raw: req.Body, Now: req.Now}
	snd, err := s.senders.get(ctx, req.PhoneNumberID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return m, snd, policy.Decision{}, fmt.Errorf("intake: sender %s: %w", req.PhoneNumberID, err)
	default:
		m.Sender = &policy.Sender{
			PhoneNumberID: snd.PhoneNumberID, TenantID: snd.TenantID, WABAID: snd.WABAID,
			DisplayPhoneNumber: snd.DisplayPhoneNumber, Stopped: snd.State == store.SenderStopped,
		}
	}
	// Ownership first, whatever rules the pipeline was given: the gateway
	// never acts on another tenant's number, and a tenant probing one
	// learns nothing from schema errors.
	if d := (policy.Ownership{}).Check(ctx, m); d.Outcome != policy.Allow {
		d.Rule = policy.Ownership{}.Name()
		return m, snd, d, nil
	}
	if m.Sender.Stopped && s.stopped != nil {
		// Refused at once rather than queued behind a stop nobody may
		// lift soon; see docs/resilience.md.
		return m, snd, policy.Decision{Outcome: policy.Reject, Rule: "sender_stopped", Code: "sender.stopped",
			Reason: snd.StateReason, Err: s.stopped(snd)}, nil
	}
	d := s.request.Evaluate(ctx, m)
	if d.Outcome == policy.Reject {
		return m, snd, d, nil
	}
	if m.Request == nil {
		// A pipeline without the schema rule: parse here so nothing
		// unparsed is ever queued.
		if sd := (policy.Schema{}).Check(ctx, m); sd.Outcome != policy.Allow {
			sd.Rule = policy.Schema{}.Name()
			return m, snd, sd, nil
		}
	}
	if m.Request.IsMarkRead() || s.facts == nil || !facts {
		return m, snd, d, nil
	}
	f, err := s.facts.Load(ctx, m)
	if err != nil {
		return m, snd, policy.Decision{}, fmt.Errorf("intake: load facts: %w", err)
	}
	f.Lang = req.Lang
	m.Facts = f
	if fd := s.RulesFor(req.TenantID).Evaluate(ctx, m); fd.Outcome != policy.Allow {
		return m, snd, fd, nil
	}
	return m, snd, d, nil
}

// ForgetSender drops a sender from the cache, after a change made in this
// process (a resume) that new sends must see at once; other processes'
// changes are seen within Config.SenderTTL.
func (s *Service) ForgetSender(id string) { s.senders.forget(id) }

// RulesFor returns the fact rules a tenant's messages go through.
func (s *Service) RulesFor(tenantID string) *policy.Pipeline {
	if p, ok := s.perTenant[tenantID]; ok {
		return p
	}
	return s.rules
}

func (s *Service) replay(ctx context.Context, req Request) (Result, bool, error) {
	idem, err := s.st.GetIdempotency(ctx, req.TenantID, req.IdempotencyKey)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, false, nil
	}
	if err != nil {
		return Result{}, false, fmt.Errorf("intake: idempotency lookup: %w", err)
	}
	status := idem.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	return Result{Outcome: Replayed, Answer: idem.Response, Status: status}, true, nil
}

// accept commits an allowed or deferred message; its answer is Meta's
// success body, given once the commit is durable.
func (s *Service) accept(ctx context.Context, req Request, m *policy.Message, snd store.Sender, d policy.Decision) (Result, error) {
	sr := m.Request
	recipient, normalised := sr.To, false
	if sr.RecipientType != "group" {
		// A group id is not a phone number and goes as given.
		recipient, normalised = recipientOf(sr.To, m.WaID)
	}
	body := m.Raw
	if normalised {
		b, err := replaceTo(m.Raw, "+"+recipient)
		if err != nil {
			return Result{}, fmt.Errorf("intake: rewrite recipient: %w", err)
		}
		body = b
	}
	id := wire.NewMessageID()
	next := req.Now
	outcome := store.OutcomeAllow
	switch d.Outcome {
	case policy.Defer:
		outcome = store.OutcomeDefer
		if d.Until.After(next) {
			next = d.Until
		}
	case policy.Warn:
		outcome = store.OutcomeWarn
	}
	resp := wire.SendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []wire.SendContact{{Input: sr.To, WaID: recipient}},
		Messages:         []wire.SentMessage{{ID: id}},
	}
	if sr.IsTemplate() {
		resp.Messages[0].MessageStatus = wire.MessageStatusAccepted
	}
	answer, err := json.Marshal(resp)
	if err != nil {
		return Result{}, fmt.Errorf("intake: encode answer: %w", err)
	}
	category := m.Category
	if c := policy.CategoryOf(m); c != "" && category == "" {
		category = string(c)
	}
	in := &store.Intake{
		Message: &store.Message{
			ID: id, TenantID: req.TenantID, SenderID: req.PhoneNumberID, Input: sr.To, WaID: recipient,
			Type: sr.Type, Category: category, Body: body, State: store.StateQueued,
			NextAttemptAt: next, CreatedAt: req.Now, UpdatedAt: req.Now,
		},
		Decision: store.Decision{
			TenantID: req.TenantID, SenderID: req.PhoneNumberID, MessageID: id, WaID: recipient,
			Outcome: outcome, Rule: d.Rule, Code: d.Code, Reason: d.Reason, Until: d.Until, CreatedAt: req.Now,
		},
	}
	if req.IdempotencyKey != "" {
		in.Idempotency = &store.Idempotency{
			TenantID: req.TenantID, Key: req.IdempotencyKey, StatusCode: http.StatusOK, Response: answer, CreatedAt: req.Now,
		}
	}
	if m.Category == "" && s.cadence != nil {
		// The gateway's own messages (m.Category set) are not counted.
		in.Cadence = s.cadence(req.TenantID).cadenceOf(m, id, recipient, category, req.Now)
	}
	if err := s.commit.Submit(ctx, in); err != nil {
		if ctx.Err() != nil {
			return Result{}, ErrGone
		}
		return Result{}, fmt.Errorf("intake: commit: %w", err)
	}
	if in.Cadence != nil && !in.Duplicate {
		if in.Cadence.Refused != "" {
			// Another message to this person committed first, perhaps on
			// another replica, and took the last slot: nothing of this one
			// was recorded.
			return s.Refuse(ctx, req, m.WaID, cadenceRefusal(in.Cadence.Refused, req.Lang)), nil
		}
		if c, ok := s.facts.(sendCounter); ok {
			c.Counted(in.Cadence.Row())
		}
	}
	if in.Duplicate {
		// Another request with this key, perhaps on another replica,
		// committed first: its answer is the answer.
		res, found, err := s.replay(ctx, req)
		if err != nil {
			return Result{}, err
		}
		if !found {
			return Result{}, errors.New("intake: duplicate idempotency key without a stored answer")
		}
		return res, nil
	}
	s.notify(req.PhoneNumberID)
	if d.Outcome == policy.Defer {
		s.metrics.Deferred.WithLabelValues(d.Code).Inc()
	}
	s.metrics.Accepted.WithLabelValues(req.PhoneNumberID).Inc()
	return Result{Outcome: Accepted, Decision: d, MessageID: id, Answer: answer, Status: http.StatusOK, Sender: snd}, nil
}

// Refuse records a refusal decided by the caller or by the rules and
// returns its Result. The record is committed in the background: the
// refusal needs no durability before the client hears it, but it must end
// up in the audit trail.
func (s *Service) Refuse(ctx context.Context, req Request, waID string, d policy.Decision) Result {
	e := d.Err
	if e == nil {
		// A rule that forgot its Graph error still refuses in Graph's shape.
		e = wire.NewError(wire.CodeInvalidParameter, d.Reason)
	}
	if req.Now.IsZero() {
		req.Now = s.now()
	}
	s.metrics.Rejected.WithLabelValues(d.Code).Inc()
	dec := store.Decision{
		TenantID: req.TenantID, SenderID: req.PhoneNumberID, WaID: waID, Outcome: store.OutcomeReject,
		Rule: d.Rule, Code: d.Code, GraphCode: e.Code, Reason: d.Reason, CreatedAt: req.Now,
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		// Detached from the request: the client may hang up as soon as it
		// has its answer.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.commit.Submit(bctx, &store.Intake{Decision: dec}); err != nil {
			s.log.ErrorContext(bctx, "intake: record refusal failed", "err", err, "code", dec.Code, "tenant_id", dec.TenantID)
		}
	}()
	return Result{Outcome: Refused, Decision: d, Err: e, Status: e.Status()}
}
