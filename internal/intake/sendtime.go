package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// SendTime is the send-time stage: the rules whose facts can change after
// a message was accepted — an opt-out, an erasure, a withdrawn consent —
// run again right before each send, on facts read fresh from the store, so
// that a change committed on any replica stops the very next send. The
// dispatcher calls Check; a refusal fails the message with the catalogue's
// code, told to the tenant as a failed status shaped like Meta's.
type SendTime struct {
	facts *Facts
	rules func(tenantID string) *policy.Pipeline
	quota QuotaReserver
}

// QuotaReserver takes slots of the sender's business portfolio for people
// right before business-initiated messages go out, all of one claim in
// one store transaction; an answer not OK means the portfolio (or the
// warming sender's allowance) is full, and its facts say until when. A
// slot taken for a message that then does not go is given back with
// Release.
type QuotaReserver interface {
	ReserveBatch(ctx context.Context, senderID string, asks []limits.Ask, now time.Time) ([]limits.Answer, error)
	Release(ctx context.Context, senderID, who, messageID string) error
}

// WithQuota makes the stage reserve the portfolio's messaging-limit slot of
// every business-initiated message the rules allow, atomically across
// replicas; a message that finds the portfolio full is deferred by the
// messaging-limit rule instead of sent.
func (s *SendTime) WithQuota(q QuotaReserver) *SendTime {
	s.quota = q
	return s
}

// NewSendTime builds the stage. rules returns a tenant's send-time rules
// (suppression, and consent where the tenant enforces it).
func NewSendTime(f *Facts, rules func(tenantID string) *policy.Pipeline) *SendTime {
	return &SendTime{facts: f, rules: rules}
}

// Late is a send-time refusal or deferral.
type Late struct {
	Decision policy.Decision
	// Status is the error of the failed status the tenant gets; zero for
	// a deferral.
	Status wire.StatusError
	// Until is set for a deferral: the message waits, unsent and not
	// failed, and is asked again from then.
	Until time.Time
}

// Check decides on a claimed message right before it is sent; nil means
// send it. An error means the facts could not be read: the caller retries
// the message later rather than send it unchecked.
func (s *SendTime) Check(ctx context.Context, msg *store.Message, now time.Time) (*Late, error) {
	lates, errs := s.CheckBatch(ctx, []*store.Message{msg}, now)
	return lates[0], errs[0]
}

// Recheck decides again on a message Check allowed, after the pacing held
// it: the rules run on fresh facts, but its messaging-limit slot, taken
// by Check, is not taken again (no store write).
func (s *SendTime) Recheck(ctx context.Context, msg *store.Message, now time.Time) (*Late, error) {
	p, err := s.prepare(ctx, msg, now)
	if err != nil || p == nil {
		return nil, err
	}
	return p.late(now), nil
}

// CheckBatch is Check for the messages of one claim, all of one sender:
// the rules run for each, and the messaging-limit slots of those they
// allow are reserved in one store transaction. The answers are in msgs'
// order, an error for a message whose facts could not be read.
func (s *SendTime) CheckBatch(ctx context.Context, msgs []*store.Message, now time.Time) ([]*Late, []error) {
	lates, errs := make([]*Late, len(msgs)), make([]error, len(msgs))
	preps := make([]*prepared, len(msgs))
	var asks []limits.Ask
	var askOf []int
	for i, msg := range msgs {
		p, err := s.prepare(ctx, msg, now)
		if err != nil || p == nil {
			errs[i] = err
			continue
		}
		preps[i] = p
		if p.reserve {
			asks = append(asks, limits.Ask{WaID: p.who, MessageID: msg.ID})
			askOf = append(askOf, i)
		}
	}
	if len(asks) > 0 {
		answers, err := s.quota.ReserveBatch(ctx, msgs[askOf[0]].SenderID, asks, now)
		for j, i := range askOf {
			switch {
			case err != nil:
				errs[i], preps[i] = fmt.Errorf("send-time quota of %s: %w", msgs[i].ID, err), nil
			case !answers[j].OK:
				p := preps[i]
				p.m.Facts.Quota = answers[j].Facts
				p.d = policy.MessagingLimit{}.Check(ctx, p.m)
			}
		}
	}
	for i, p := range preps {
		if p != nil {
			lates[i] = p.late(now)
		}
	}
	return lates, errs
}

// Release gives back the messaging-limit slot Check took for msg when msg
// does not go out after all (set aside for its recipient's pair rate, put
// back at a stop). A slot used again since by another message is kept.
func (s *SendTime) Release(ctx context.Context, msg *store.Message) error {
	if s == nil || s.quota == nil || msg.Category == CategoryConfirmation {
		return nil
	}
	who := msg.WaID
	req, werr := wire.ParseSendRequest(msg.Body)
	if werr != nil || !req.IsTemplate() {
		return nil
	}
	if req.RecipientType == "group" || req.To != "+"+msg.WaID {
		who = ""
		if phone.IsBSUID(req.To) {
			who = req.To
		}
	}
	if who == "" {
		return nil
	}
	if err := s.quota.Release(ctx, msg.SenderID, who, msg.ID); err != nil {
		return fmt.Errorf("send-time release of %s: %w", msg.ID, err)
	}
	return nil
}

// prepared is a message with its send-time decision before the
// messaging-limit reservation.
type prepared struct {
	m *policy.Message
	d policy.Decision
	// who is the person whose slot the message takes, when it counts
	// against the limit and the rules allow it; reserve is set for such a
	// message with no person to count (it is asked without one).
	who     string
	reserve bool
}

// late turns a decision into the stage's answer.
func (p *prepared) late(now time.Time) *Late {
	d := p.d
	if d.Outcome == policy.Defer {
		until := d.Until
		if !until.After(now) {
			until = now.Add(time.Second) // a rule that defers without a time asks again soon
		}
		return &Late{Decision: d, Until: until}
	}
	if d.Outcome != policy.Reject || d.Refusal == 0 {
		return nil
	}
	return &Late{Decision: d, Status: refusal.Must(d.Refusal).StatusError(refusal.PT, "")}
}

// prepare reads a message's fresh facts and runs its rules; nil means no
// rule applies to it.
func (s *SendTime) prepare(ctx context.Context, msg *store.Message, now time.Time) (*prepared, error) {
	if s == nil || msg.Category == CategoryConfirmation {
		return nil, nil // no rule, or the one reply an opt-out is owed
	}
	req, werr := wire.ParseSendRequest(msg.Body)
	if werr != nil {
		// It parsed at intake: the stored body is the gateway's own.
		return nil, fmt.Errorf("send-time: stored body of %s does not parse: %w", msg.ID, werr)
	}
	m := &policy.Message{
		TenantID: msg.TenantID, PhoneNumberID: msg.SenderID, Raw: msg.Body, Request: req,
		Now: now, WaID: msg.WaID, Category: msg.Category,
	}
	if req.RecipientType == "group" || req.To != "+"+msg.WaID {
		m.WaID = "" // a BSUID or a group, kept as the client wrote it
	}
	f, err := s.facts.Fresh(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("send-time facts of %s: %w", msg.ID, err)
	}
	if req.IsTemplate() && msg.Category != "" && msg.Category != CategoryOptInRequest {
		// The category was decided at acceptance, from the template.
		f.Template = &policy.TemplateFacts{Status: policy.TemplateNotSynced, Category: consent.Category(msg.Category)}
	}
	// Texts of a late refusal go to a webhook, read by the tenant's
	// systems: in the default language, like every tenant-facing text.
	f.Lang = refusal.PT
	m.Facts = f
	rules := s.rules(msg.TenantID)
	if msg.Category == CategoryOptInRequest {
		rules = policy.New(policy.Suppression{}) // it asks for consent: only a stop stops it
	}
	p := &prepared{m: m, d: rules.Evaluate(ctx, m)}
	if p.d.Outcome == policy.Allow && s.quota != nil && f.Quota != nil && policy.Counts(m) {
		p.who = m.WaID
		if p.who == "" && phone.IsBSUID(req.To) {
			p.who = req.To
		}
		p.reserve = true
	}
	return p, nil
}

// SendTimeRules returns the send-time rules for a fact-rule pipeline: the
// rules of it whose facts can change after acceptance (policy.AtSendTime).
func SendTimeRules(p *policy.Pipeline) *policy.Pipeline {
	var out []policy.Rule
	for _, r := range p.Rules() {
		if policy.AtSendTime(r) {
			out = append(out, r)
		}
	}
	return policy.New(out...)
}
