-- +goose Up
-- Warm-up: when each sender's ramp of business-initiated volume began (a
-- new number, or one back from a restriction). Senders already known when
-- this migration runs are established: their warm-up is dated 2000-01-01,
-- long over, so an upgrade slows nobody down.
CREATE TABLE sender_warmup (
    phone_number_id TEXT PRIMARY KEY,
    started_at      INTEGER NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
);
INSERT INTO sender_warmup (phone_number_id, started_at, reason, updated_at)
    SELECT phone_number_id, 946684800000, 'established', 946684800000 FROM senders;
-- The sender that last reached each counted recipient: a warming sender's
-- daily allowance counts its own recipients in the moving 24 hours.
ALTER TABLE portfolio_reach ADD COLUMN sender_id TEXT NOT NULL DEFAULT '';
CREATE INDEX portfolio_reach_sender ON portfolio_reach (portfolio_id, sender_id, last_sent_at);
-- When a message became sendable again after the gateway deferred it (a
-- limit, quiet hours, a hold): its retry horizons count from then, not
-- from acceptance. 0: never deferred.
ALTER TABLE messages ADD COLUMN ready_at INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE messages DROP COLUMN ready_at;
DROP INDEX portfolio_reach_sender;
ALTER TABLE portfolio_reach DROP COLUMN sender_id;
DROP TABLE sender_warmup;
