-- +goose Up
-- Dashboard users: one log-in email per person across the gateway, each
-- bound to one tenant. password_hash is an encoded argon2id derivation,
-- never the password.
CREATE TABLE users (
    id            text PRIMARY KEY,
    tenant_id     text NOT NULL,
    email         text NOT NULL UNIQUE,
    role          text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX users_tenant ON users (tenant_id, email);

-- +goose Down
DROP TABLE users;
