-- +goose Up
-- Graph objects (media, templates) a tenant owns: the pass-through reaches
-- only these, the tenant's senders and its WABAs. The first owner of an id
-- is kept. Times are integer unix milliseconds.
CREATE TABLE owned_objects (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    sender_id  TEXT NOT NULL,
    waba_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE owned_objects;
