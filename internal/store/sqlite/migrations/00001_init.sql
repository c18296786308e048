-- +goose Up
-- Times are integer unix milliseconds; 0 means "never". Sealed secrets are
-- BLOBs (nonce + AES-GCM ciphertext), never text.

CREATE TABLE tenants (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    webhook_url    TEXT NOT NULL,
    webhook_secret BLOB,
    created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    hash       BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE senders (
    phone_number_id      TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL,
    waba_id              TEXT NOT NULL,
    display_phone_number TEXT NOT NULL,
    throughput_mps       INTEGER NOT NULL,
    access_token         BLOB,
    state                TEXT NOT NULL,
    state_code           INTEGER NOT NULL,
    state_reason         TEXT NOT NULL,
    state_changed_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX senders_waba ON senders (waba_id);

-- seq is the rowid: insertion order, and the claim order.
CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    tenant_id       TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    input           TEXT NOT NULL,
    wa_id           TEXT NOT NULL,
    type            TEXT NOT NULL,
    category        TEXT NOT NULL,
    body            BLOB NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER NOT NULL,
    meta_id         TEXT,
    error_code      INTEGER NOT NULL,
    error_detail    TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
-- The claim walks one sender's queued rows in seq order and stops after
-- limit rows; next_attempt_at is in the index so not-yet-due rows are
-- skipped without touching the table. (Putting next_attempt_at before seq
-- would force a sort of the whole due backlog on every claim.)
CREATE INDEX messages_claim ON messages (sender_id, state, seq, next_attempt_at);
CREATE UNIQUE INDEX messages_meta ON messages (meta_id) WHERE meta_id IS NOT NULL;

CREATE TABLE decisions (
    id         INTEGER PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    sender_id  TEXT NOT NULL,
    message_id TEXT NOT NULL,
    wa_id      TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    rule       TEXT NOT NULL,
    code       TEXT NOT NULL,
    graph_code INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    until      INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX decisions_tenant ON decisions (tenant_id, id);
CREATE INDEX decisions_sender ON decisions (sender_id, id);

CREATE TABLE idempotency (
    tenant_id   TEXT NOT NULL,
    key         TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response    BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    body        BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX deliveries_due ON deliveries (done, next_at);

CREATE TABLE status_events (
    message_id TEXT NOT NULL,
    meta_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    ts         INTEGER NOT NULL,
    error_code INTEGER NOT NULL,
    PRIMARY KEY (meta_id, status)
) STRICT, WITHOUT ROWID;
CREATE INDEX status_events_message ON status_events (message_id);

CREATE TABLE inbound (
    id          TEXT PRIMARY KEY,
    sender_id   TEXT NOT NULL,
    from_wa_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    body        BLOB NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX inbound_sender ON inbound (sender_id, ts);

CREATE TABLE windows (
    sender_id TEXT NOT NULL,
    wa_id     TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (sender_id, wa_id)
) STRICT, WITHOUT ROWID;

-- state: pending, done, dead. A claim pushes next_attempt_at to the end of
-- the lease, so a claimed forward is simply not due.
CREATE TABLE forwards (
    id              INTEGER PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    waba_id         TEXT NOT NULL,
    field           TEXT NOT NULL,
    value           BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    last_error      TEXT NOT NULL DEFAULT '',
    done_at         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX forwards_due ON forwards (state, next_attempt_at, id);

CREATE TABLE leases (
    name  TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE leases;
DROP TABLE forwards;
DROP TABLE windows;
DROP TABLE inbound;
DROP TABLE status_events;
DROP TABLE deliveries;
DROP TABLE idempotency;
DROP TABLE decisions;
DROP TABLE messages;
DROP TABLE senders;
DROP TABLE api_keys;
DROP TABLE tenants;
