package store

import (
	"context"
	"time"
)

// ConsentRecord is one link of a tenant's consent chain. It holds no
// personal data: the contact is a keyed digest of its number and the
// evidence a digest of its body, so erasing the personal data
// (ConsentPersonal) leaves every link verifiable. Package consent builds,
// hashes and verifies records; engines store them as given.
type ConsentRecord struct {
	TenantID string
	// Seq numbers a tenant's records 1, 2, 3… without gaps.
	Seq int64
	At  time.Time
	// ContactKey identifies the contact within the tenant without naming
	// it (package consent: an HMAC of the canonical wa_id).
	ContactKey string
	Action     string
	Category   string
	Source     string
	// EvidenceDigest is the hex SHA-256 of the personal data stored beside
	// the record ("" when it has none).
	EvidenceDigest string
	// PrevHash is the Hash of the record before (the genesis value for
	// Seq 1) and Hash the record's own, both hex.
	PrevHash, Hash string
}

// ConsentHead is a tenant's checkpoint of its chain: the last record's
// seq and hash, written in the transaction that appends it, and a MAC over
// both so that a head cut back to match a truncated chain is noticed.
type ConsentHead struct {
	Seq  int64
	Hash string
	MAC  string
}

// ConsentEntry is a stored record with its personal data, nil once erased
// (or when the record never had any).
type ConsentEntry struct {
	ConsentRecord
	Personal []byte
}

// ConsentState is the latest record of a (tenant, contact, category).
type ConsentState struct {
	ContactKey string
	Category   string
	Action     string
	Source     string
	Seq        int64
	At         time.Time
}

// ConsentAppend is the next link a builder hands AppendConsent.
type ConsentAppend struct {
	// Record is complete: Seq, PrevHash and Hash follow the head the
	// builder was given.
	Record ConsentRecord
	// Personal is stored apart from the chain (nil for none); its digest
	// is Record.EvidenceDigest.
	Personal []byte
	// HeadMAC authenticates the new head (Record.Seq, Record.Hash).
	HeadMAC string
	// Erase deletes every stored personal data of Record.ContactKey in the
	// same transaction, before Personal (if any) is written.
	Erase bool
}

// Consent is the append-only, hash-chained consent ledger of every tenant.
type Consent interface {
	// ConsentKey returns the tenant's ledger key, storing fresh as that key
	// when the tenant has none yet (the first stored key wins). With fresh
	// nil it only reads, and returns ErrNotFound when there is none. The
	// key is sealed at rest with the store's Sealer.
	ConsentKey(ctx context.Context, tenantID string, fresh []byte) ([]byte, error)
	// AppendConsent appends one record to the tenant's chain. Appends of a
	// tenant are serialised across connections and replicas: build is
	// called inside the transaction with the current head (zero for an
	// empty chain) and returns the next link, which is written with its
	// personal data, the contact's current state and the new head, all or
	// nothing. build must not use the store, and may be called again when
	// the transaction is retried. The record written is returned.
	AppendConsent(ctx context.Context, tenantID string, build func(head ConsentHead) (ConsentAppend, error)) (ConsentRecord, error)
	// AppendConsents is AppendConsent for many records in one transaction:
	// build returns the links that follow head, in order, and they are all
	// written or none is (a bulk import is never half-written). An empty
	// slice writes nothing.
	AppendConsents(ctx context.Context, tenantID string, build func(head ConsentHead) ([]ConsentAppend, error)) ([]ConsentRecord, error)
	// ConsentEntries returns up to limit records of a tenant with seq >
	// afterSeq, in seq order, with their personal data.
	ConsentEntries(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]ConsentEntry, error)
	// ConsentContactEntries returns up to limit records of one contact of
	// a tenant with seq > afterSeq, in seq order, with their personal data
	// (a data subject's access request).
	ConsentContactEntries(ctx context.Context, tenantID, contactKey string, afterSeq int64, limit int) ([]ConsentEntry, error)
	// ConsentHead returns the tenant's head (zero when it has no chain).
	ConsentHead(ctx context.Context, tenantID string) (ConsentHead, error)
	// ConsentStates returns the current state of a contact, one per
	// category that has a record (none when the contact has no record).
	ConsentStates(ctx context.Context, tenantID, contactKey string) ([]ConsentState, error)
	// ConsentAllStates returns every current state of a tenant, by contact
	// key then category (for verification against the chain).
	ConsentAllStates(ctx context.Context, tenantID string) ([]ConsentState, error)
	// ConsentTenants lists the tenants that have a chain, sorted.
	ConsentTenants(ctx context.Context) ([]string, error)
}
