package store

import (
	"context"
	"time"
)

// AppealScope is what an appeal dossier reads: one tenant's sender over
// [From, To). Every Appeals read is confined to TenantID, so that a
// dossier never shows another tenant's data even for a sender id it does
// not own (that read is simply empty).
type AppealScope struct {
	TenantID string
	SenderID string
	From, To time.Time
}

// CategoryDay counts the messages of one category accepted on one UTC day.
type CategoryDay struct {
	Day      time.Time // midnight UTC
	Category string    // marketing, utility, authentication, service; "" unknown
	// Accepted is every message accepted that day; Sent those Meta took
	// (it gave them an id); Failed those that ended failed, whoever failed
	// them.
	Accepted, Sent, Failed int
}

// RecipientSends is what one recipient got in one category: the messages
// Meta took, and when the first of them was accepted.
type RecipientSends struct {
	WaID     string
	Category string
	Sent     int
	First    time.Time
}

// CodeCount counts the failed messages with one Graph error code.
type CodeCount struct {
	Code  int
	Count int
}

// DecisionCount groups a scope's stored decisions by outcome, rule and code.
type DecisionCount struct {
	Outcome     DecisionOutcome
	Rule        string
	Code        string
	GraphCode   int
	Count       int
	First, Last time.Time
}

// TemplateUse counts the template messages accepted by template name and
// language.
type TemplateUse struct {
	Name, Language string
	Count          int
}

// Appeals is the aggregate reads of an appeal dossier (package appeal).
// Messages are placed in the scope by when they were accepted.
type Appeals interface {
	// AppealVolumes counts the scope's messages per UTC day and category,
	// ordered by day then category.
	AppealVolumes(ctx context.Context, sc AppealScope) ([]CategoryDay, error)
	// AppealRecipients lists, per recipient and category, the scope's
	// messages that Meta took, by wa_id then category.
	AppealRecipients(ctx context.Context, sc AppealScope) ([]RecipientSends, error)
	// AppealLastSent returns when the latest message of the tenant's
	// sender to waID in one of categories was sent (Meta's first status
	// for it, else when the gateway recorded it) strictly after after and
	// before before (zero: no bound), and how many were; zero and 0 when
	// none was. It is how the dossier measures an opt-out's honouring.
	AppealLastSent(ctx context.Context, tenantID, senderID, waID string, categories []string, after, before time.Time) (time.Time, int, error)
	// AppealFailures counts the scope's failed messages by error code,
	// ordered by count descending then code.
	AppealFailures(ctx context.Context, sc AppealScope) ([]CodeCount, error)
	// AppealDecisions groups the scope's decisions (by when they were
	// made), ordered by outcome, rule, code.
	AppealDecisions(ctx context.Context, sc AppealScope) ([]DecisionCount, error)
	// AppealTemplates counts the scope's template messages by name and
	// language, ordered by count descending then name and language.
	AppealTemplates(ctx context.Context, sc AppealScope) ([]TemplateUse, error)
}
