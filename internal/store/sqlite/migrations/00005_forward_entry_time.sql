-- +goose Up
-- A forward remembers the time of the entry Meta sent it in (Unix seconds,
-- 0 when there was none), so the envelope a tenant receives carries
-- entry[].time as Meta's did.
ALTER TABLE forwards ADD COLUMN entry_time INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE forwards DROP COLUMN entry_time;
