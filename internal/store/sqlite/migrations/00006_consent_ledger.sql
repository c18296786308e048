-- +goose Up
-- The consent ledger (package consent). consent_records is the chain:
-- append-only, hash-linked per tenant, no personal data in it (the contact
-- is an HMAC of its number under the tenant's key, the evidence a digest).
-- consent_personal holds what erasure removes; consent_state is the latest
-- record per (tenant, contact, category), consent_heads the checkpoint of
-- each chain. All of them change only in the transaction that appends a
-- record. Times are integer unix milliseconds.
CREATE TABLE consent_keys (
    tenant_id  TEXT PRIMARY KEY,
    key        BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE consent_records (
    tenant_id       TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    contact_key     TEXT NOT NULL,
    action          TEXT NOT NULL,
    category        TEXT NOT NULL,
    source          TEXT NOT NULL,
    evidence_digest TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) STRICT, WITHOUT ROWID;

-- Guards against mistakes, not against someone who owns the file: they
-- can drop these, which is what the chain and `consent verify` are for.
-- +goose StatementBegin
CREATE TRIGGER consent_records_no_update BEFORE UPDATE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent_records is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consent_records_no_delete BEFORE DELETE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent_records is append-only');
END;
-- +goose StatementEnd

CREATE TABLE consent_personal (
    tenant_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    contact_key TEXT NOT NULL,
    data        BLOB NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX consent_personal_contact ON consent_personal (tenant_id, contact_key);

CREATE TABLE consent_state (
    tenant_id   TEXT NOT NULL,
    contact_key TEXT NOT NULL,
    category    TEXT NOT NULL,
    action      TEXT NOT NULL,
    source      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, contact_key, category)
) STRICT, WITHOUT ROWID;

CREATE TABLE consent_heads (
    tenant_id TEXT PRIMARY KEY,
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    mac       TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE consent_heads;
DROP TABLE consent_state;
DROP TABLE consent_personal;
DROP TABLE consent_records;
DROP TABLE consent_keys;
