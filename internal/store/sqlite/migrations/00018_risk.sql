-- +goose Up
-- The risk engine's rolling counters: one row per sender (campaign_id ''),
-- or per campaign of it once campaigns exist, per metric, per hour. Kept
-- in the store so every replica adds to the same numbers and a restart
-- keeps them; buckets older than the longest window are swept.
CREATE TABLE risk_counts (
    phone_number_id TEXT NOT NULL,
    campaign_id     TEXT NOT NULL DEFAULT '',
    metric          TEXT NOT NULL,
    bucket          INTEGER NOT NULL,
    tenant_id       TEXT NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (phone_number_id, campaign_id, metric, bucket)
) STRICT, WITHOUT ROWID;
CREATE INDEX risk_counts_bucket ON risk_counts (bucket);

-- The engine's hold on a sender (campaign_id '') or a campaign. The rate
-- factor is kept in thousandths and the score in hundredths, integers in
-- both engines.
CREATE TABLE risk_brakes (
    phone_number_id TEXT NOT NULL,
    campaign_id     TEXT NOT NULL DEFAULT '',
    tenant_id       TEXT NOT NULL,
    level           TEXT NOT NULL,
    rate_permille   INTEGER NOT NULL,
    code            INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    score_centi     INTEGER NOT NULL,
    until           INTEGER NOT NULL,
    warmup_from     INTEGER NOT NULL,
    warmup_until    INTEGER NOT NULL,
    manual          INTEGER NOT NULL,
    changed_at      INTEGER NOT NULL,
    PRIMARY KEY (phone_number_id, campaign_id)
) STRICT, WITHOUT ROWID;

-- Incidents and their timelines: the raw Meta webhooks, the gateway's
-- decisions and actions. closed_at 0 means open.
CREATE TABLE incidents (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    phone_number_id TEXT NOT NULL,
    waba_id         TEXT NOT NULL,
    campaign_id     TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    opened_at       INTEGER NOT NULL,
    closed_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX incidents_tenant ON incidents (tenant_id, opened_at);
CREATE INDEX incidents_open ON incidents (phone_number_id, campaign_id) WHERE closed_at = 0;

CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    raw         BLOB NOT NULL
) STRICT;
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

-- +goose Down
DROP TABLE incident_events;
DROP TABLE incidents;
DROP TABLE risk_brakes;
DROP TABLE risk_counts;
