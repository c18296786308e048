-- +goose Up
-- Graph objects (media, templates) a tenant owns: the pass-through reaches
-- only these, the tenant's senders and its WABAs. The first owner of an id
-- is kept.
CREATE TABLE owned_objects (
    id         text PRIMARY KEY,
    tenant_id  text NOT NULL,
    kind       text NOT NULL,
    sender_id  text NOT NULL,
    waba_id    text NOT NULL,
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE owned_objects;
