-- +goose Up
-- What Meta last said of each sender (quality, status, health, tier,
-- throughput) and of each business portfolio (its messaging-limit tier),
-- and each portfolio's reach: one row per recipient of a business-initiated
-- message outside an open window, with the last time they were reached.
-- A recipient counts against the portfolio's limit while last_sent_at is
-- within the moving 24 hours; message_id is the message that first took
-- the slot, so a message that did not reach the person can give it back.
CREATE TABLE sender_health (
    phone_number_id TEXT PRIMARY KEY,
    portfolio_id    TEXT NOT NULL DEFAULT '',
    quality         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT '',
    health          TEXT NOT NULL DEFAULT '',
    tier            TEXT NOT NULL DEFAULT '',
    throughput      TEXT NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL
);
CREATE TABLE portfolios (
    id         TEXT PRIMARY KEY,
    tier       TEXT NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL
);
CREATE TABLE portfolio_reach (
    portfolio_id  TEXT NOT NULL,
    wa_id         TEXT NOT NULL,
    first_sent_at timestamptz NOT NULL,
    last_sent_at  timestamptz NOT NULL,
    message_id    TEXT NOT NULL,
    PRIMARY KEY (portfolio_id, wa_id)
);
CREATE INDEX portfolio_reach_last ON portfolio_reach (portfolio_id, last_sent_at);

-- +goose Down
DROP TABLE portfolio_reach;
DROP TABLE portfolios;
DROP TABLE sender_health;
