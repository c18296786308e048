package store

import (
	"context"
	"time"
)

// Contact is one person of a tenant's contact list (package contact). It
// is keyed by the canonical wa_id, so the two forms of a Brazilian mobile
// are one contact. Consent is not stored here: ContactKey is the ledger's
// name for the person, under which the contact's consent state is read.
type Contact struct {
	TenantID string
	// WaID is the canonical wa_id (phone.Canonical), E164 the number.
	WaID       string
	E164       string
	ContactKey string
	Name       string
	Language   string
	// Tags are sorted and unique; Attributes is a JSON object ("{}" when
	// it has none).
	Tags       []string
	Attributes []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// Read-only, filled by ListContacts and GetContact: the contact's
	// consent rows from the ledger's current state (one per category
	// recorded) and when it last wrote to any of the tenant's numbers
	// (zero when never).
	Consent       []ConsentState
	LastInboundAt time.Time
}

// ContactQuery selects a page of a tenant's contacts, by wa_id.
type ContactQuery struct {
	TenantID string
	// After is the last wa_id of the previous page ("" for the first).
	After string
	Limit int
	// Search, when set, keeps contacts whose wa_id starts with it or whose
	// name contains it (ASCII letters ignore case).
	Search string
	// Tag, when set, keeps contacts having it.
	Tag string
}

// Audience is a saved segment: a filter expression (JSON, package
// contact's Filter) evaluated when the audience is used.
type Audience struct {
	TenantID  string
	ID        string
	Name      string
	Filter    []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ContactImport is the journal of one import: how far its commit got, so
// that an interrupted import resumes after CommittedLine.
type ContactImport struct {
	TenantID string
	ID       string
	// Digest is the hex SHA-256 of the imported file.
	Digest string
	// State is "committing" until every chunk landed, then "done".
	State string
	// Lines counts the file's data lines; CommittedLine is the last line
	// whose chunk is written.
	Lines, CommittedLine     int64
	Created, Merged, Refused int64
	CreatedAt, UpdatedAt     time.Time
}

// Contacts holds contacts, audiences and import journals.
type Contacts interface {
	// PutContacts inserts or replaces contacts (by tenant and wa_id) in one
	// transaction; when imp is not nil its journal is written in the same
	// transaction, so a chunk and the progress it records land together.
	// A replaced contact keeps its CreatedAt.
	PutContacts(ctx context.Context, cs []Contact, imp *ContactImport) error
	// GetContacts returns the tenant's contacts among waIDs, by wa_id,
	// without consent or activity (an import's merge reads them).
	GetContacts(ctx context.Context, tenantID string, waIDs []string) (map[string]Contact, error)
	// GetContact returns one contact with its consent and activity.
	GetContact(ctx context.Context, tenantID, waID string) (Contact, error)
	// ListContacts returns a page of contacts by wa_id, with their consent
	// and activity.
	ListContacts(ctx context.Context, q ContactQuery) ([]Contact, error)
	// CountContacts counts a tenant's contacts.
	CountContacts(ctx context.Context, tenantID string) (int64, error)
	// DeleteContact removes a contact (ErrNotFound when none). Its consent
	// records stay in the ledger.
	DeleteContact(ctx context.Context, tenantID, waID string) error
	// ConsentStatesOf returns the current consent rows of many contact
	// keys of a tenant, by contact key.
	ConsentStatesOf(ctx context.Context, tenantID string, keys []string) (map[string][]ConsentState, error)

	// PutContactImport writes an import's journal.
	PutContactImport(ctx context.Context, imp ContactImport) error
	// ContactImportByDigest returns the latest import of a file (by its
	// digest) that is still committing, ErrNotFound when none.
	ContactImportByDigest(ctx context.Context, tenantID, digest string) (ContactImport, error)

	// PutAudience inserts or replaces an audience; a replaced one keeps
	// its CreatedAt.
	PutAudience(ctx context.Context, a Audience) error
	// GetAudience returns one audience.
	GetAudience(ctx context.Context, tenantID, id string) (Audience, error)
	// ListAudiences returns a tenant's audiences by id.
	ListAudiences(ctx context.Context, tenantID string) ([]Audience, error)
	// DeleteAudience removes an audience (ErrNotFound when none).
	DeleteAudience(ctx context.Context, tenantID, id string) error
}
