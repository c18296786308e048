// Package policy is the compliance pipeline: an ordered list of small rules,
// each in its own file named rule_<name>.go, each returning Allow, Defer or
// Reject with a stable code and a human explanation. The pipeline stops at the
// first rule that does not allow. Every decision is stored by the caller.
//
// Rules that later issues add (suppression, consent, window, template,
// content, frequency, quiet hours, sender health, quota) plug in by being
// appended to the list given to New; the send path does not change.
package policy

import (
	"context"
	"time"

	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Outcome is a rule's verdict.
type Outcome int

const (
	Allow Outcome = iota
	Defer
	Reject
	// Warn lets the message through and records the decision: a finding
	// the tenant chose to hear about rather than be refused for. The
	// pipeline goes on after a Warn; a later Defer or Reject wins.
	Warn
)

func (o Outcome) String() string {
	switch o {
	case Allow:
		return "allow"
	case Defer:
		return "defer"
	case Reject:
		return "reject"
	case Warn:
		return "warn"
	}
	return "unknown"
}

// Decision is what a rule, and so the pipeline, decided.
type Decision struct {
	Outcome Outcome
	Rule    string    // name of the deciding rule; "" when all allowed
	Code    string    // stable code, "<rule>.<reason>", e.g. "recipient.invalid"
	Reason  string    // human explanation, safe to show the tenant
	Until   time.Time // for Defer: not before
	// Err is the Graph error returned to the client on Reject.
	Err *wire.Error
	// Refusal is the catalogue entry of a gateway refusal (0 for refusals
	// that keep Meta's codes); the send-time stage turns it into a failed
	// status.
	Refusal refusal.Code
}

// Allowed is the decision of a rule that lets the message through.
func Allowed() Decision { return Decision{Outcome: Allow} }

// Rejected builds a rejection with a Graph error carrying the reason.
func Rejected(rule, code string, graphCode int, reason string) Decision {
	return Decision{Outcome: Reject, Rule: rule, Code: code, Reason: reason, Err: wire.NewError(graphCode, reason)}
}

// Refused builds a rejection from the gateway's refusal catalogue, its
// explanation in lang, with detail (no personal data) appended.
func Refused(rule string, c refusal.Code, lang refusal.Lang, detail string) Decision {
	e := refusal.Must(c)
	return Decision{Outcome: Reject, Rule: rule, Code: e.Key, Reason: e.In(refusal.EN).Explanation,
		Err: e.Error(lang, detail), Refusal: c}
}

// Deferred builds a deferral until a time.
func Deferred(rule, code, reason string, until time.Time) Decision {
	return Decision{Outcome: Defer, Rule: rule, Code: code, Reason: reason, Until: until}
}

// Sender is what rules know of the sending number.
type Sender struct {
	PhoneNumberID      string
	TenantID           string
	WABAID             string
	DisplayPhoneNumber string
	Stopped            bool
}

// Message is one send request under evaluation, with the facts rules need,
// loaded once. Rules may fill in derived fields (the recipient rule sets WaID).
type Message struct {
	TenantID      string
	PhoneNumberID string  // from the URL
	Sender        *Sender // nil when the gateway does not know the number
	Raw           []byte  // the request body as received
	Request       *wire.SendRequest
	Now           time.Time

	// Derived by rules.
	WaID     string // recipient normalised: digits of E.164, Brazil's 9 restored
	Category string // marketing, utility, authentication, service

	// Facts are loaded after the request rules (ownership, schema,
	// recipient) have run, for the rules that follow.
	Facts Facts
}

// Rule is one check of the pipeline.
type Rule interface {
	// Name is the rule's stable name, the prefix of its codes.
	Name() string
	// Check decides on m. It may set derived fields of m.
	Check(ctx context.Context, m *Message) Decision
}

// SendTimeRule is a rule whose facts can change after a message was
// accepted (an opt-out, an erasure, a cap reached, the hour of the day): the
// send-time stage runs it again right before each send. A Reject there fails
// the message; a Defer puts it back until Decision.Until.
type SendTimeRule interface {
	Rule
	SendTime() bool
}

// AtSendTime reports whether r runs in the send-time stage.
func AtSendTime(r Rule) bool {
	st, ok := r.(SendTimeRule)
	return ok && st.SendTime()
}

// Pipeline runs rules in order.
type Pipeline struct {
	rules []Rule
}

// New builds a pipeline; order matters, cheap rejections first.
func New(rules ...Rule) *Pipeline { return &Pipeline{rules: rules} }

// Rules returns the rules in order.
func (p *Pipeline) Rules() []Rule { return p.rules }

// Evaluate runs the rules until one defers or rejects. A warning does not
// stop it: the first warning is the decision when every other rule allows.
func (p *Pipeline) Evaluate(ctx context.Context, m *Message) Decision {
	warned := Allowed()
	for _, r := range p.rules {
		d := r.Check(ctx, m)
		if d.Outcome == Allow {
			continue
		}
		if d.Rule == "" {
			d.Rule = r.Name()
		}
		if d.Outcome == Warn {
			if warned.Outcome == Allow {
				warned = d
			}
			continue
		}
		return d
	}
	return warned
}
