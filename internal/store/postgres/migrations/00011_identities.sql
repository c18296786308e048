-- +goose Up
-- A person known both by a phone number (wa_id) and by a business-scoped
-- user id (BSUID), as Meta's webhooks name them together in contacts[]:
-- consent and opt-outs recorded under either hold for both.
CREATE TABLE identities (
    tenant_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    wa_id     TEXT NOT NULL,
    seen_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX identities_wa_id ON identities (tenant_id, wa_id, seen_at);

-- +goose Down
DROP TABLE identities;
