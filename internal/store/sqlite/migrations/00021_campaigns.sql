-- +goose Up
-- Campaigns (package campaign): a template sent to an audience. cursor is
-- the wa_id of the last contact handled (contacts are walked in wa_id
-- order); the counters are those up to it and change only in the
-- transaction that moves it. refused is a JSON object, code → count.
-- Times are integer unix milliseconds, 0 meaning never.
CREATE TABLE campaigns (
    tenant_id         TEXT NOT NULL,
    id                TEXT NOT NULL,
    name              TEXT NOT NULL,
    sender_id         TEXT NOT NULL,
    template_name     TEXT NOT NULL,
    template_language TEXT NOT NULL,
    params            TEXT NOT NULL,
    audience_id       TEXT NOT NULL,
    start_at          INTEGER NOT NULL,
    state             TEXT NOT NULL,
    state_reason      TEXT NOT NULL,
    cursor            TEXT NOT NULL,
    targeted          INTEGER NOT NULL,
    accepted          INTEGER NOT NULL,
    refused           TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    started_at        INTEGER NOT NULL,
    finished_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX campaigns_due ON campaigns (state, start_at);

-- The message a campaign accepted for each contact, written with the
-- checkpoint that passes the contact: the campaign's stats join it with
-- messages, windows and consent.
CREATE TABLE campaign_messages (
    tenant_id   TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    wa_id       TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id, wa_id)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE campaign_messages;
DROP TABLE campaigns;
