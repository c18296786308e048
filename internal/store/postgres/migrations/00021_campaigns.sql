-- +goose Up
-- Campaigns (package campaign): a template sent to an audience. cursor is
-- the wa_id of the last contact handled (contacts are walked in wa_id
-- order); the counters are those up to it and change only in the
-- transaction that moves it. refused is a JSON object, code → count.
-- Optional times are NULL when never.
CREATE TABLE campaigns (
    tenant_id         text NOT NULL,
    id                text NOT NULL,
    name              text NOT NULL,
    sender_id         text NOT NULL,
    template_name     text NOT NULL,
    template_language text NOT NULL,
    params            text NOT NULL,
    audience_id       text NOT NULL,
    start_at          timestamptz,
    state             text NOT NULL,
    state_reason      text NOT NULL,
    cursor            text NOT NULL,
    targeted          bigint NOT NULL,
    accepted          bigint NOT NULL,
    refused           text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    started_at        timestamptz,
    finished_at       timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX campaigns_due ON campaigns (state, start_at);

-- The message a campaign accepted for each contact, written with the
-- checkpoint that passes the contact: the campaign's stats join it with
-- messages, windows and consent.
CREATE TABLE campaign_messages (
    tenant_id   text NOT NULL,
    campaign_id text NOT NULL,
    wa_id       text NOT NULL,
    message_id  text NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id, wa_id)
);

-- +goose Down
DROP TABLE campaign_messages;
DROP TABLE campaigns;
