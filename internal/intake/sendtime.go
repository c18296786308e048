package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
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

// QuotaReserver takes a slot of the sender's business portfolio for a
// person right before a business-initiated message goes out; ok false
// means the portfolio is full, and q says until when.
type QuotaReserver interface {
	Reserve(ctx context.Context, senderID, who, messageID string, now time.Time) (q *policy.QuotaFacts, ok bool, err error)
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
	d := rules.Evaluate(ctx, m)
	if d.Outcome == policy.Allow && s.quota != nil && f.Quota != nil && policy.Counts(m) {
		who := m.WaID
		if who == "" && phone.IsBSUID(req.To) {
			who = req.To
		}
		q, ok, err := s.quota.Reserve(ctx, msg.SenderID, who, msg.ID, now)
		if err != nil {
			return nil, fmt.Errorf("send-time quota of %s: %w", msg.ID, err)
		}
		if !ok {
			m.Facts.Quota = q
			d = policy.MessagingLimit{}.Check(ctx, m)
		}
	}
	if d.Outcome == policy.Defer {
		until := d.Until
		if !until.After(now) {
			until = now.Add(time.Second) // a rule that defers without a time asks again soon
		}
		return &Late{Decision: d, Until: until}, nil
	}
	if d.Outcome != policy.Reject || d.Refusal == 0 {
		return nil, nil
	}
	return &Late{Decision: d, Status: refusal.Must(d.Refusal).StatusError(refusal.PT, "")}, nil
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
