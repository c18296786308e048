-- +goose Up
-- Contacts (package contact): one row per person of a tenant, keyed by the
-- canonical wa_id (Brazil's ninth digit restored), so a number written with
-- and without it is one contact. contact_key is the consent ledger's HMAC of
-- that wa_id: consent is read from consent_state through it, never copied
-- here. tags is a JSON array, attributes a JSON object. Last activity is
-- read from windows (the last inbound per sender), not stored twice.
CREATE TABLE contacts (
    tenant_id   text NOT NULL,
    wa_id       text NOT NULL,
    e164        text NOT NULL,
    contact_key text NOT NULL,
    name        text NOT NULL,
    language    text NOT NULL,
    tags        text NOT NULL,
    attributes  text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, wa_id)
);

-- Audiences: saved segments, a filter expression (JSON) evaluated when used.
CREATE TABLE audiences (
    tenant_id  text NOT NULL,
    id         text NOT NULL,
    name       text NOT NULL,
    filter     text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Contact imports: the journal that makes a chunked import resumable.
-- committed_line is the last line of the file whose contacts landed (in
-- the transaction that wrote them); digest is the SHA-256 of the file, so a
-- resumed import is known to read the same bytes.
CREATE TABLE contact_imports (
    tenant_id      text NOT NULL,
    id             text NOT NULL,
    digest         text NOT NULL,
    state          text NOT NULL,
    lines          bigint NOT NULL,
    committed_line bigint NOT NULL,
    created        bigint NOT NULL,
    merged         bigint NOT NULL,
    refused        bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- +goose Down
DROP TABLE contact_imports;
DROP TABLE audiences;
DROP TABLE contacts;
