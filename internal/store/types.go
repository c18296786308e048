package store

import (
	"context"
	"time"
)

// Tenant is a business using the gateway.
type Tenant struct {
	ID            string
	Name          string
	WebhookURL    string
	WebhookSecret string // plaintext in memory, sealed at rest
	CreatedAt     time.Time
}

// APIKey is the stored form of a gateway API key: its hash, never the key.
type APIKey struct {
	ID         string // public prefix shown to operators
	TenantID   string
	Hash       []byte // SHA-256 of the full key
	CreatedAt  time.Time
	RevokedAt  time.Time // zero while usable
	Source     KeySource // where the key came from; empty is stored as KeyFromCLI
	ExpiresAt  time.Time // zero: never expires
	LastUsedAt time.Time // zero: never used; updated coarsely (see TouchAPIKey)
}

// KeySource says where an API key came from, which decides who may revoke
// it implicitly: a start revokes configured keys no longer in the file, and
// never touches the others.
type KeySource string

const (
	KeyFromConfig KeySource = "config" // declared in the configuration file
	KeyFromCLI    KeySource = "cli"    // issued by `wabaguard keys create`
	KeyFromDemo   KeySource = "demo"   // the demo tenant's key of a zero-config start
	// KeyFromDashboard marks keys an admin created in the dashboard.
	KeyFromDashboard KeySource = "dashboard"
	// KeyLegacy marks keys stored before sources were recorded.
	KeyLegacy KeySource = "legacy"
)

// KeySourceOrDefault is how engines store a key's source: empty means
// KeyFromCLI, the way keys were issued before sources existed.
func KeySourceOrDefault(s KeySource) KeySource {
	if s == "" {
		return KeyFromCLI
	}
	return s
}

// Expired reports whether the key has an expiry at or before now.
func (k APIKey) Expired(now time.Time) bool {
	return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
}

// SenderState says whether a sender's dispatch runs.
type SenderState string

const (
	SenderActive  SenderState = "active"
	SenderStopped SenderState = "stopped"
)

// Sender is one business phone number in a WABA.
type Sender struct {
	PhoneNumberID      string
	TenantID           string
	WABAID             string
	DisplayPhoneNumber string
	ThroughputMPS      int    // messages per second; 0 means the default (80)
	AccessToken        string // optional per-sender Meta token; sealed at rest
	State              SenderState
	StateCode          int    // Graph code that stopped it, if any
	StateReason        string // why it was stopped
	StateChangedAt     time.Time
}

// MessageState is where an outbound message is in its life.
type MessageState string

const (
	StateQueued    MessageState = "queued"    // accepted, waiting for dispatch
	StateSending   MessageState = "sending"   // claimed by a dispatcher
	StateSent      MessageState = "sent"      // Meta accepted it
	StateDelivered MessageState = "delivered" // status webhook
	StateRead      MessageState = "read"      // status webhook
	StateFailed    MessageState = "failed"    // terminal
)

// Rank orders states so that a status never moves backwards. failed is
// terminal and outranks all.
func (s MessageState) Rank() int {
	switch s {
	case StateQueued:
		return 0
	case StateSending:
		return 1
	case StateSent:
		return 2
	case StateDelivered:
		return 3
	case StateRead:
		return 4
	case StateFailed:
		return 5
	}
	return -1
}

// Message is one outbound message in the outbox.
type Message struct {
	ID            string // the gateway's wamid, the only id the tenant sees
	Seq           int64  // insertion order, assigned by the store
	TenantID      string
	SenderID      string // phone_number_id
	Input         string // recipient as the client wrote it
	WaID          string // recipient normalised (digits, E.164 without +)
	Type          string // text, template, image, ...
	Category      string // marketing, utility, authentication, service; "" unknown
	Body          []byte // the JSON to send upstream
	State         MessageState
	Attempts      int
	NextAttemptAt time.Time
	ClaimedUntil  time.Time
	MetaID        string // Meta's wamid once sent
	MessageStatus string // Meta's message_status in the send answer ("" when none)
	ErrorCode     int
	ErrorDetail   string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ReadyAt is when the message became sendable again after the gateway
	// last deferred it (zero: never deferred); retry horizons count from
	// the later of it and CreatedAt.
	ReadyAt time.Time
}

// HorizonBase is when a message's retry horizons start: when it became
// sendable, its acceptance or the end of the gateway's last deferral of
// it, whichever is later. A message a limit held for a day has its whole
// horizon left when it is sent at last.
func (m *Message) HorizonBase() time.Time {
	if m.ReadyAt.After(m.CreatedAt) {
		return m.ReadyAt
	}
	return m.CreatedAt
}

// MessageRef is what webhook processing needs to map Meta's id back.
type MessageRef struct {
	ID       string
	TenantID string
	SenderID string
	State    MessageState
}

// DecisionOutcome is the verdict of the policy pipeline.
type DecisionOutcome string

const (
	OutcomeAllow  DecisionOutcome = "allow"
	OutcomeDefer  DecisionOutcome = "defer"
	OutcomeReject DecisionOutcome = "reject"
	// OutcomeWarn: accepted and queued like allow, with a finding the
	// tenant chose to be warned of (a content rule set to warn) in Rule,
	// Code and Reason.
	OutcomeWarn DecisionOutcome = "warn"
)

// Decision is a stored verdict: the audit trail and an appeal's evidence.
type Decision struct {
	ID        int64 // assigned by the store
	TenantID  string
	SenderID  string
	MessageID string // empty when rejected
	WaID      string // normalised recipient when known
	Outcome   DecisionOutcome
	Rule      string // the rule that decided ("" for allow by all)
	Code      string // stable code, e.g. "recipient.invalid"
	GraphCode int    // Graph error code returned for a rejection
	Reason    string // human explanation
	Until     time.Time
	CreatedAt time.Time
}

// DecisionFilter narrows ListDecisions; zero fields match all.
type DecisionFilter struct {
	TenantID string
	SenderID string
	Outcome  DecisionOutcome
	// MessageID narrows to one accepted message's decisions (intake and
	// send-time re-checks).
	MessageID string
	// WaID narrows to one recipient (canonical wa_id).
	WaID string
	// BeforeID keeps decisions with an id below it (a page's cursor).
	BeforeID int64
	Limit    int
}

// Idempotency is the stored first answer to a request with an Idempotency-Key.
type Idempotency struct {
	TenantID   string
	Key        string
	StatusCode int
	Response   []byte
	CreatedAt  time.Time
}

// Intake is one send request's durable footprint, committed with others.
type Intake struct {
	Message     *Message     // nil when the request was rejected
	Decision    Decision     // always stored
	Idempotency *Idempotency // nil without an Idempotency-Key
	Duplicate   bool         // set by CommitIntake: the key was already stored
	// Cadence, when set, is checked and recorded in the commit; a refusal
	// (Cadence.Refused) records nothing of the intake.
	Cadence *Cadence
}

// Outcome is the result of one dispatch attempt.
type Outcome struct {
	MessageID     string
	State         MessageState // sent, queued (retry later) or failed
	MetaID        string       // when sent
	WaID          string       // wa_id Meta returned, when sent
	MessageStatus string       // Meta's message_status, when sent
	Attempts      int
	NextAttemptAt time.Time // when queued again
	ErrorCode     int
	ErrorDetail   string
	At            time.Time
	// ReadyAt, when set, records that the gateway deferred the message
	// until then: its retry horizons count from it (zero keeps the
	// message's own).
	ReadyAt time.Time
}

// Delivery is one raw webhook POST from Meta, stored before it is answered.
type Delivery struct {
	ID         int64  // assigned by the store
	DedupeKey  string // hex SHA-256 of the body
	Body       []byte // exact bytes received
	ReceivedAt time.Time
	Attempts   int
	Duplicate  bool // set by AppendDeliveries
}

// StatusEvent is one status of an outbound message reported by Meta.
type StatusEvent struct {
	MessageID string // gateway id
	MetaID    string
	Status    string // sent, delivered, read, played, failed
	Timestamp time.Time
	ErrorCode int
}

// InboundMessage is a message a user sent to a sender.
type InboundMessage struct {
	ID         string // Meta's wamid
	SenderID   string
	From       string // wa_id
	Type       string
	Timestamp  time.Time
	Body       []byte // the message object as received
	ReceivedAt time.Time
}

// Forward is one event queued for a tenant's webhook, as one change in
// Meta's envelope.
type Forward struct {
	ID            int64 // assigned by the store
	TenantID      string
	WABAID        string // entry.id
	Field         string // change field, e.g. "messages"
	Value         []byte // change value JSON, ids already mapped
	EntryTime     int64  // entry.time as Meta sent it (Unix seconds), 0 for none
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	// Lane orders a tenant's forwards: one with a lane is not claimed while
	// an earlier forward (lower ID) of the same tenant and lane is pending,
	// so it never overtakes it, retries included. Forwards in different
	// lanes, or without one, go independently.
	Lane string
	// EventKeys identify the events the forward carries, for dedupe across
	// deliveries: when set, the forward is enqueued only if at least one key
	// was not seen before, and every key is remembered until pruned
	// (PruneEventKeys). Not read back by ClaimForwards.
	EventKeys []string
	// OutcomeOf, given to RecordOutcomes, names the message whose outcome
	// in the same call the forward reports (a gateway-made failed status):
	// it is enqueued only if that outcome is applied, and once per message
	// and call. A message that already has its final outcome thus never
	// gets a second status. Not stored.
	OutcomeOf string
}

// ForwardsFor returns the forwards RecordOutcomes enqueues: every forward
// without OutcomeOf, and the first for each message whose outcome applied.
func ForwardsFor(fwds []Forward, applied func(messageID string) bool) []Forward {
	out := make([]Forward, 0, len(fwds))
	seen := map[string]bool{}
	for _, f := range fwds {
		if f.OutcomeOf != "" {
			if seen[f.OutcomeOf] || !applied(f.OutcomeOf) {
				continue
			}
			seen[f.OutcomeOf] = true
		}
		out = append(out, f)
	}
	return out
}

// ForwardRetry reschedules a forward after a failed attempt.
type ForwardRetry struct {
	ID        int64
	Attempts  int
	NextAt    time.Time
	LastError string
	GiveUp    bool
}

// WebhookApply is the batch of effects of processed deliveries.
type WebhookApply struct {
	Statuses []StatusApply
	Inbound  []InboundMessage
	// Windows are (sender, wa_id, at) to open or extend; a window only moves
	// forward in time.
	Windows []Window
	// Forwards are enqueued unless every one of their EventKeys was seen
	// before (inbound messages, other fields).
	Forwards []Forward
	Done     []int64         // delivery ids fully processed
	Retry    []DeliveryRetry // deliveries to process again later
	// Stage, when set, runs inside the transaction once the status events
	// are recorded, told which of Statuses were new (newStatus[i] for
	// Statuses[i]: recorded now, not seen before, and the first of its
	// (MetaID, Status) in the call). What it returns is written in the same
	// transaction; an error rolls back everything, deliveries included.
	// It must not use the store: the transaction is held while it runs.
	Stage func(ctx context.Context, newStatus []bool) (Staged, error)
}

// Staged are the writes consumers of a webhook batch add to its
// transaction (see WebhookApply.Stage).
type Staged struct {
	// Forwards are enqueued as WebhookApply.Forwards are, after them.
	Forwards []Forward
}

// StatusApply is one status event to record, moving its message's state.
type StatusApply struct {
	Event StatusEvent
	State MessageState // the message state this status implies
}

// Window is the last inbound time of a (sender, user) pair.
type Window struct {
	SenderID string
	WaID     string
	At       time.Time
}

// DeliveryRetry reschedules a delivery whose statuses could not all be
// resolved yet (Meta's id not recorded yet); GiveUp marks it done anyway.
type DeliveryRetry struct {
	ID       int64
	Attempts int
	NextAt   time.Time
	GiveUp   bool
}

// Lease is one held lease: who owns name, and until when.
type Lease struct {
	Name  string
	Owner string
	Until time.Time
}
