-- +goose Up
-- Dashboard sessions, kept in the store so that a restart or another
-- replica keeps users logged in. key_hash is the SHA-256 of the cookie's
-- token, never the token; user_id is '' for the log-in form's anonymous
-- session.
CREATE TABLE ui_sessions (
    key_hash   bytea PRIMARY KEY,
    user_id    text NOT NULL,
    csrf       text NOT NULL,
    created_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX ui_sessions_expiry ON ui_sessions (expires_at);

-- A number's timeline reads the events forwarded to its tenant about its
-- WABA, which are few beside the messages.
CREATE INDEX forwards_events ON forwards (tenant_id, waba_id, id) WHERE field <> 'messages';

-- +goose Down
DROP INDEX forwards_events;
DROP TABLE ui_sessions;
