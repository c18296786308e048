-- +goose Up
-- `wabaguard messages show` reads one message's decisions; without this
-- index that is a scan of the whole audit trail.
CREATE INDEX decisions_message ON decisions (message_id, id);

-- +goose Down
DROP INDEX decisions_message;
