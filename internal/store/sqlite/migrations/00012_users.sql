-- +goose Up
-- Dashboard users: one log-in email per person across the gateway, each
-- bound to one tenant. password_hash is an encoded argon2id derivation,
-- never the password.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX users_tenant ON users (tenant_id, email);

-- +goose Down
DROP TABLE users;
