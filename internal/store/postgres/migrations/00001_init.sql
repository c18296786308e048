-- +goose Up

-- state_rank mirrors store.MessageState.Rank so that SQL can refuse to move
-- a message's state backwards. Inlined by the planner (plain SQL, immutable).
-- +goose StatementBegin
CREATE FUNCTION state_rank(s text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE s
    WHEN 'queued' THEN 0
    WHEN 'sending' THEN 1
    WHEN 'sent' THEN 2
    WHEN 'delivered' THEN 3
    WHEN 'read' THEN 4
    WHEN 'failed' THEN 5
    ELSE -1
  END
$$;
-- +goose StatementEnd

CREATE TABLE tenants (
    id             text PRIMARY KEY,
    name           text NOT NULL,
    webhook_url    text NOT NULL,
    webhook_secret bytea,            -- sealed
    created_at     timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id         text PRIMARY KEY,
    tenant_id  text NOT NULL,
    hash       bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE senders (
    phone_number_id      text PRIMARY KEY,
    tenant_id            text NOT NULL,
    waba_id              text NOT NULL,
    display_phone_number text NOT NULL,
    throughput_mps       int NOT NULL,
    access_token         bytea,      -- sealed
    state                text NOT NULL,
    state_code           int NOT NULL,
    state_reason         text NOT NULL,
    state_changed_at     timestamptz
);
CREATE INDEX senders_waba ON senders (waba_id);

-- The outbox. Rows are updated several times in their life (claimed, sent,
-- delivered, read): leave room on each page for HOT updates.
CREATE TABLE messages (
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              text PRIMARY KEY,
    tenant_id       text NOT NULL,
    sender_id       text NOT NULL,
    input           text NOT NULL,
    wa_id           text NOT NULL,
    type            text NOT NULL,
    category        text NOT NULL,
    body            bytea NOT NULL,
    state           text NOT NULL,
    attempts        int NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    claimed_until   timestamptz,
    meta_id         text,
    error_code      int NOT NULL,
    error_detail    text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
) WITH (fillfactor = 80);
-- Claiming walks a sender's unsettled messages in insertion order; the
-- partial index stays small because settled messages leave it.
CREATE INDEX messages_claimable ON messages (sender_id, seq)
    WHERE state IN ('queued', 'sending');
CREATE INDEX messages_meta_id ON messages (meta_id) WHERE meta_id IS NOT NULL;

CREATE TABLE decisions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  text NOT NULL,
    sender_id  text NOT NULL,
    message_id text NOT NULL,
    wa_id      text NOT NULL,
    outcome    text NOT NULL,
    rule       text NOT NULL,
    code       text NOT NULL,
    graph_code int NOT NULL,
    reason     text NOT NULL,
    until      timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX decisions_tenant ON decisions (tenant_id, id DESC);
CREATE INDEX decisions_sender ON decisions (sender_id, id DESC);

CREATE TABLE idempotency (
    tenant_id   text NOT NULL,
    key         text NOT NULL,
    status_code int NOT NULL,
    response    bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key      text NOT NULL UNIQUE,
    body            bytea NOT NULL,
    received_at     timestamptz NOT NULL,
    attempts        int NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    claimed_until   timestamptz,
    done            boolean NOT NULL DEFAULT false,
    done_at         timestamptz
) WITH (fillfactor = 90);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE NOT done;

CREATE TABLE status_events (
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    message_id text NOT NULL,
    meta_id    text NOT NULL,
    status     text NOT NULL,
    ts         timestamptz NOT NULL,
    error_code int NOT NULL,
    PRIMARY KEY (meta_id, status)
);
CREATE INDEX status_events_message ON status_events (message_id, ts);

CREATE TABLE inbound_messages (
    id          text PRIMARY KEY,
    sender_id   text NOT NULL,
    wa_from     text NOT NULL,
    type        text NOT NULL,
    ts          timestamptz NOT NULL,
    body        bytea NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX inbound_sender ON inbound_messages (sender_id, ts DESC);

CREATE TABLE windows (
    sender_id text NOT NULL,
    wa_id     text NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (sender_id, wa_id)
) WITH (fillfactor = 80);

CREATE TABLE forwards (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       text NOT NULL,
    waba_id         text NOT NULL,
    field           text NOT NULL,
    value           bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        int NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    claimed_until   timestamptz,
    state           text NOT NULL DEFAULT 'pending',
    last_error      text NOT NULL DEFAULT '',
    done_at         timestamptz
) WITH (fillfactor = 90);
CREATE INDEX forwards_pending ON forwards (next_attempt_at, id) WHERE state = 'pending';

CREATE TABLE leases (
    name  text PRIMARY KEY,
    owner text NOT NULL,
    until timestamptz NOT NULL
) WITH (fillfactor = 50);

-- +goose Down
DROP TABLE leases;
DROP TABLE forwards;
DROP TABLE windows;
DROP TABLE inbound_messages;
DROP TABLE status_events;
DROP TABLE deliveries;
DROP TABLE idempotency;
DROP TABLE decisions;
DROP TABLE messages;
DROP TABLE senders;
DROP TABLE api_keys;
DROP TABLE tenants;
DROP FUNCTION state_rank(text);
