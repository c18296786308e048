// Package store defines wabaguard's persistence contract: the domain records
// and the interface that both engines (SQLite in store/sqlite, PostgreSQL in
// store/postgres) implement. One conformance suite, store/storetest, runs
// against both; an engine is correct when it passes.
//
// The hot paths are batched by design: acceptance commits many messages per
// transaction (group commit), dispatch claims and records messages in
// batches per sender, webhook deliveries are appended and applied in batches.
// Every method that takes a slice does all of it in one transaction.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by lookups of a single record that does not exist.
var ErrNotFound = errors.New("store: not found")

// Store is everything the gateway persists. Implementations are safe for
// concurrent use.
type Store interface {
	Tenants
	Messages
	Webhooks
	Forwards
	Leases
	Objects
	Resealer
	Consent
	Templates
	Identities
	Erasure
	Users
	ContentModels
	Cadences
	Limits
	Sessions
	Contacts
	Appeals
	Risk
	Campaigns

	// Ping reports whether the database answers (for /readyz).
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Tenants holds tenants, their API keys and their senders.
type Tenants interface {
	// PutTenant inserts or replaces a tenant. WebhookSecret is encrypted at
	// rest with the store's Sealer.
	PutTenant(ctx context.Context, t Tenant) error
	GetTenant(ctx context.Context, id string) (Tenant, error)
	ListTenants(ctx context.Context) ([]Tenant, error)

	// PutAPIKey stores the hash of an API key for a tenant. Keys themselves
	// are never stored.
	PutAPIKey(ctx context.Context, k APIKey) error
	// TenantByKeyHash finds the tenant owning the key with this hash
	// (ErrNotFound when none, or when the key is revoked).
	TenantByKeyHash(ctx context.Context, hash []byte) (Tenant, error)
	// RevokeAPIKey marks a key unusable.
	RevokeAPIKey(ctx context.Context, id string) error
	// KeyByHash finds an unrevoked key with this hash and its tenant
	// (ErrNotFound when none, or when the key is revoked). An expired key is
	// returned: the caller checks ExpiresAt so it can say why it refuses.
	KeyByHash(ctx context.Context, hash []byte) (APIKey, Tenant, error)
	// ListAPIKeys lists the keys of a tenant, or of every tenant when
	// tenantID is empty, revoked ones included, by tenant then creation.
	ListAPIKeys(ctx context.Context, tenantID string) ([]APIKey, error)
	// TouchAPIKey records that a key was used at at; it never moves
	// LastUsedAt backwards. Callers throttle it: it is not meant per request.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	// SetAPIKeySource records where a key came from.
	SetAPIKeySource(ctx context.Context, id string, source KeySource) error

	// PutSender inserts or replaces a sender. AccessToken is encrypted at
	// rest with the store's Sealer.
	PutSender(ctx context.Context, s Sender) error
	GetSender(ctx context.Context, phoneNumberID string) (Sender, error)
	ListSenders(ctx context.Context) ([]Sender, error)
	// SendersByWABA lists the senders of a WhatsApp Business Account.
	SendersByWABA(ctx context.Context, wabaID string) ([]Sender, error)
	// SetSenderState stops or resumes a sender's dispatch, recording why.
	SetSenderState(ctx context.Context, phoneNumberID string, state SenderState, code int, reason string, at time.Time) error
}

// Messages holds the outbox and its audit trail.
type Messages interface {
	// CommitIntake durably records a batch of send requests in one
	// transaction: accepted messages, every decision, and idempotency
	// records. When an item's idempotency key already exists for its tenant,
	// nothing of that item is written and its Duplicate field is set to true;
	// the other items are written as usual.
	CommitIntake(ctx context.Context, items []*Intake) error
	// GetIdempotency returns the stored answer for (tenant, key).
	GetIdempotency(ctx context.Context, tenantID, key string) (Idempotency, error)

	// ClaimMessages marks up to limit due messages of one sender as
	// in flight (state sending, claimed until now+lease) and returns them
	// oldest first. Due means queued with NextAttemptAt <= now, or sending
	// with an expired claim.
	ClaimMessages(ctx context.Context, senderID string, now time.Time, limit int, lease time.Duration) ([]Message, error)
	// RequeueInFlight returns every sending message of a sender to queued.
	// The dispatcher calls it when it takes ownership of a sender: whatever
	// the previous owner had in flight is sent again (the documented
	// duplicate bound).
	RequeueInFlight(ctx context.Context, senderID string) (int, error)
	// RecordOutcomes applies dispatch outcomes and enqueues forwards (the
	// gateway's own failed statuses) in one transaction.
	RecordOutcomes(ctx context.Context, outcomes []Outcome, forwards []Forward) error
	// GetMessage returns a message by the gateway's id.
	GetMessage(ctx context.Context, id string) (Message, error)
	// MessagesByMetaID maps Meta's message ids to the gateway's messages;
	// unknown ids are absent from the map.
	MessagesByMetaID(ctx context.Context, metaIDs []string) (map[string]MessageRef, error)
	// QueueDepth counts queued and in-flight messages per sender.
	QueueDepth(ctx context.Context) (map[string]int, error)
	// OldestUnsent returns, per sender, when the oldest of its queued and
	// in-flight messages was accepted; senders with none are absent.
	OldestUnsent(ctx context.Context) (map[string]time.Time, error)
	// SendersWithDueMessages lists senders having messages due at now.
	SendersWithDueMessages(ctx context.Context, now time.Time) ([]string, error)
	// MessagesByRecipient returns up to limit messages of a tenant to one
	// recipient (canonical wa_id), newest first, with Seq below beforeSeq
	// when it is positive (a page's cursor).
	MessagesByRecipient(ctx context.Context, tenantID, waID string, beforeSeq int64, limit int) ([]Message, error)
	// LastFailedWith returns when a tenant's latest message to any of
	// waIDs (one person's aliases) failed with the Graph code code, the
	// failure being after since; zero when none did. Meta's 131049 (the
	// per-user marketing limit) asks for 24 h before the next marketing
	// message to that person, and this is how every replica knows.
	LastFailedWith(ctx context.Context, tenantID string, waIDs []string, code int, since time.Time) (time.Time, error)
	// ListDecisions returns stored decisions, newest first.
	ListDecisions(ctx context.Context, f DecisionFilter) ([]Decision, error)
}

// Webhooks holds the durable log of deliveries from Meta and what they did.
type Webhooks interface {
	// AppendDeliveries persists raw webhook deliveries in one transaction
	// before they are acknowledged. A delivery whose DedupeKey is already
	// stored is ignored (its Duplicate field is set).
	AppendDeliveries(ctx context.Context, ds []*Delivery) error
	// ClaimDeliveries returns up to limit unprocessed deliveries due at now,
	// marking them claimed until now+lease.
	ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Delivery, error)
	// ApplyWebhooks applies the effects of processed deliveries in one
	// transaction: status events (deduplicated by (MetaID, Status); a message's
	// state never moves backwards), inbound messages (deduplicated by id) and
	// their 24-hour windows, forwards (a status's forward is enqueued only
	// when its event is new, any forward with EventKeys only when one of
	// them is new), and marks deliveries done or due again.
	ApplyWebhooks(ctx context.Context, a WebhookApply) error
	// GetWindow returns when the user last wrote to the sender (zero when never).
	GetWindow(ctx context.Context, senderID, waID string) (time.Time, error)
	// ListInbound returns a sender's inbound messages, newest first.
	ListInbound(ctx context.Context, senderID string, limit int) ([]InboundMessage, error)
	// InboundFrom returns up to limit inbound messages that a tenant's
	// senders received from any of waIDs (one person's aliases), newest
	// first (by Timestamp, then ID), only those before (beforeTS,
	// beforeID) when beforeTS is not zero (a page's cursor).
	InboundFrom(ctx context.Context, tenantID string, waIDs []string, beforeTS time.Time, beforeID string, limit int) ([]InboundMessage, error)
	// StatusEvents returns the status events recorded for one gateway message.
	StatusEvents(ctx context.Context, messageID string) ([]StatusEvent, error)
	// PruneEventKeys forgets the event keys of forwards (Forward.EventKeys)
	// first seen before before, and reports how many it forgot.
	PruneEventKeys(ctx context.Context, before time.Time) (int64, error)
}

// Forwards is the durable queue of events going to tenants' webhooks.
type Forwards interface {
	// ClaimForwards returns up to limit due forwards, oldest first, marking
	// them claimed until now+lease. A forward with a Lane is due only when
	// no earlier forward of its tenant and lane is pending (claimed or not):
	// each lane delivers one forward at a time, in order.
	ClaimForwards(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Forward, error)
	// CompleteForwards marks forwards delivered.
	CompleteForwards(ctx context.Context, ids []int64, at time.Time) error
	// RetryForwards reschedules forwards after a failed delivery; a forward
	// with GiveUp set is marked dead instead.
	RetryForwards(ctx context.Context, rs []ForwardRetry) error
	// ForwardCounts counts forwards by state (pending, done, dead).
	ForwardCounts(ctx context.Context) (map[string]int, error)
	// EventForwards returns up to limit forwards of a tenant about one
	// WABA with one of fields (any field but messages when fields is
	// empty; messages never), newest first, whatever their delivery
	// state: the record of what happened to the tenant's numbers.
	EventForwards(ctx context.Context, tenantID, wabaID string, fields []string, limit int) ([]Forward, error)
}

// Leases assigns each sender's dispatch to one replica at a time.
type Leases interface {
	// AcquireLease takes or renews the lease on name for owner until now+ttl.
	// It succeeds when the lease is free, lapsed, or already owner's.
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives up owner's lease on name.
	ReleaseLease(ctx context.Context, name, owner string) error
	// LeaseOwner returns the current owner of name and its expiry.
	LeaseOwner(ctx context.Context, name string) (owner string, until time.Time, err error)
	// ListLeases returns the live leases (expiry after now) whose name
	// starts with prefix, ordered by name (byte order). The prefix is matched literally,
	// byte for byte. Replicas use it to see each other ("replica:") and how
	// the senders are spread among them ("sender:").
	ListLeases(ctx context.Context, prefix string, now time.Time) ([]Lease, error)
}

// Sealer encrypts secrets at rest (tenant webhook secrets, Meta tokens).
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(ciphertext []byte) ([]byte, error)
}

// Identity links a person's wa_id to their business-scoped user id within a
// tenant, as a webhook named them together.
type Identity struct {
	TenantID string
	WaID     string
	UserID   string
	SeenAt   time.Time
}

// Identities remembers which wa_id and BSUID are one person.
type Identities interface {
	// PutIdentities records links; a BSUID seen with a newer wa_id moves
	// to it.
	PutIdentities(ctx context.Context, ids []Identity) error
	// LinkedIdentity returns the other name of a person: the wa_id of a
	// BSUID, or the latest BSUID seen with a wa_id; "" when none is known.
	LinkedIdentity(ctx context.Context, tenantID, id string) (string, error)
}

// ErasureReport counts what EraseContact removed.
type ErasureReport struct {
	// Messages whose body and recipient as written were blanked; Failed
	// of them were still queued and are failed instead of sent.
	Messages, Failed int
	Decisions        int
	Inbound          int
	Windows          int
	Identities       int
	// Forwards delivered to the tenant (or given up) whose copies named the
	// person, blanked.
	Forwards int
	// Cancelled forwards were still waiting to reach the tenant: they are
	// blanked and given up (state dead, "erased"), so the person's data is
	// not handed on after the erasure. One already in flight may still
	// arrive.
	Cancelled int
	// Deliveries are Meta's raw webhook bodies, already processed, that
	// named the person on one of the tenant's numbers: blanked. The
	// delivery's dedupe key is kept, so Meta's redelivery is still known.
	Deliveries int
	// Sends are the contact's counted sends (frequency caps), deleted.
	Sends int
	// Contacts are the person's contact rows (number, name, tags,
	// attributes), deleted.
	Contacts int
}

// Erasure removes a person's personal data from the outbox and webhook
// records (LGPD erasure); the consent ledger erases its own.
type Erasure interface {
	// EraseContact blanks the bodies and numbers of a tenant's messages to
	// the person (failing those still queued with failCode), the number
	// in its decisions, the bodies of what the person wrote to the
	// tenant's numbers, their windows and identity links, and the kept
	// copies of webhooks already delivered to the tenant that name them
	// (pending ones are still delivered). ids are the
	// person's names: canonical wa_id, its aliases, a BSUID.
	EraseContact(ctx context.Context, tenantID string, ids []string, failCode int, at time.Time) (ErasureReport, error)
}
