-- +goose Up
-- What each contact was sent that the cadence rules count (per-category
-- caps, the identical-content guard): one row per accepted message that a
-- tenant's caps or repeat guard cover, written in the intake's commit.
-- Rows older than the longest window are pruned.
CREATE TABLE contact_sends (
    message_id   text PRIMARY KEY,
    tenant_id    text NOT NULL,
    wa_id        text NOT NULL,
    category     text NOT NULL,
    content_hash text NOT NULL,
    sent_at      timestamptz NOT NULL
);
CREATE INDEX contact_sends_contact ON contact_sends (tenant_id, wa_id, sent_at);
CREATE INDEX contact_sends_age ON contact_sends (sent_at);

-- +goose Down
DROP TABLE contact_sends;
