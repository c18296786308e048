-- +goose Up
-- The marketing hold after Meta's 131049 asks, for every marketing template
-- at intake and before each send, when the person's latest message failed
-- with that code. Through messages_recipient that read walks all of the
-- person's messages, which a backlog to one person makes long; failed rows
-- are few, and this index holds only them.
CREATE INDEX messages_failed_recipient ON messages (tenant_id, wa_id, error_code, updated_at) WHERE state = 'failed';

-- +goose Down
DROP INDEX messages_failed_recipient;
