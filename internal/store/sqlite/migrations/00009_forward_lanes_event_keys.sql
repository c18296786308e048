-- +goose Up
-- A forward's lane keeps a tenant's events of one message (or one
-- conversation, one kind of account event) in order: the forwarder claims
-- a laned forward only when no earlier forward of its tenant and lane is
-- pending. '' is no lane. The partial index serves that check.
ALTER TABLE forwards ADD COLUMN lane TEXT NOT NULL DEFAULT '';
CREATE INDEX forwards_lane ON forwards (tenant_id, lane, id) WHERE state = 'pending' AND lane <> '';

-- Keys of the events forwarded (an inbound message's id, a hash of an
-- account event), so that an event Meta sends again inside another
-- delivery is not forwarded twice. Kept for a bounded time (seen_at, unix
-- milliseconds), then pruned.
CREATE TABLE event_keys (
    key     TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX event_keys_seen ON event_keys (seen_at);

-- +goose Down
DROP TABLE event_keys;
DROP INDEX forwards_lane;
ALTER TABLE forwards DROP COLUMN lane;
