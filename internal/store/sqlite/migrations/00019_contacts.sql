-- +goose Up
-- Contacts (package contact): one row per person of a tenant, keyed by the
-- canonical wa_id (Brazil's ninth digit restored), so a number written with
-- and without it is one contact. contact_key is the consent ledger's HMAC of
-- that wa_id: consent is read from consent_state through it, never copied
-- here. tags is a JSON array, attributes a JSON object. Last activity is
-- read from windows (the last inbound per sender), not stored twice.
CREATE TABLE contacts (
    tenant_id   TEXT NOT NULL,
    wa_id       TEXT NOT NULL,
    e164        TEXT NOT NULL,
    contact_key TEXT NOT NULL,
    name        TEXT NOT NULL,
    language    TEXT NOT NULL,
    tags        TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, wa_id)
) STRICT, WITHOUT ROWID;

-- Audiences: saved segments, a filter expression (JSON) evaluated when used.
CREATE TABLE audiences (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    filter     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT, WITHOUT ROWID;

-- Contact imports: the journal that makes a chunked import resumable.
-- committed_line is the last line of the file whose contacts landed (in
-- the transaction that wrote them); digest is the SHA-256 of the file, so a
-- resumed import is known to read the same bytes.
CREATE TABLE contact_imports (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    digest         TEXT NOT NULL,
    state          TEXT NOT NULL,
    lines          INTEGER NOT NULL,
    committed_line INTEGER NOT NULL,
    created        INTEGER NOT NULL,
    merged         INTEGER NOT NULL,
    refused        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE contact_imports;
DROP TABLE audiences;
DROP TABLE contacts;
