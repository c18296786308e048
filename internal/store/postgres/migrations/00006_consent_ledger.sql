-- +goose Up
-- The consent ledger (package consent). consent_records is the chain:
-- append-only, hash-linked per tenant, no personal data in it (the contact
-- is an HMAC of its number under the tenant's key, the evidence a digest).
-- consent_personal holds what erasure removes; consent_state is the latest
-- record per (tenant, contact, category), consent_heads the checkpoint of
-- each chain, and its row lock is what serialises a tenant's appends
-- across replicas.
CREATE TABLE consent_keys (
    tenant_id  text PRIMARY KEY,
    key        bytea NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE consent_records (
    tenant_id       text NOT NULL,
    seq             bigint NOT NULL,
    at              timestamptz NOT NULL,
    contact_key     text NOT NULL,
    action          text NOT NULL,
    category        text NOT NULL,
    source          text NOT NULL,
    evidence_digest text NOT NULL,
    prev_hash       text NOT NULL,
    hash            text NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- Guards against mistakes, not against the database's owner, who can
-- disable them: that is what the chain and `consent verify` are for.
-- +goose StatementBegin
CREATE FUNCTION consent_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent_records is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER consent_records_append_only BEFORE UPDATE OR DELETE ON consent_records
    FOR EACH ROW EXECUTE FUNCTION consent_records_append_only();

CREATE TABLE consent_personal (
    tenant_id   text NOT NULL,
    seq         bigint NOT NULL,
    contact_key text NOT NULL,
    data        bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX consent_personal_contact ON consent_personal (tenant_id, contact_key);

CREATE TABLE consent_state (
    tenant_id   text NOT NULL,
    contact_key text NOT NULL,
    category    text NOT NULL,
    action      text NOT NULL,
    source      text NOT NULL,
    seq         bigint NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, contact_key, category)
);

CREATE TABLE consent_heads (
    tenant_id text PRIMARY KEY,
    seq       bigint NOT NULL,
    hash      text NOT NULL,
    mac       text NOT NULL
);

-- +goose Down
DROP TABLE consent_heads;
DROP TABLE consent_state;
DROP TABLE consent_personal;
DROP TABLE consent_records;
DROP FUNCTION consent_records_append_only();
DROP TABLE consent_keys;
