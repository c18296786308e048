-- +goose Up
-- Tenants' content classifiers, every version kept for rollback. model is
-- the encoded model (counts of words from the tenant's labelled messages);
-- held_out the JSON of its figures on the tenant's held-out examples. At
-- most one active model per tenant; none means the built-in model.
CREATE TABLE content_models (
    tenant_id     TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    training_rows INTEGER NOT NULL,
    tenant_rows   INTEGER NOT NULL,
    held_out      TEXT NOT NULL,
    active        INTEGER NOT NULL,
    model         BLOB NOT NULL,
    PRIMARY KEY (tenant_id, version)
) STRICT;
CREATE UNIQUE INDEX content_models_active ON content_models (tenant_id) WHERE active = 1;

-- +goose Down
DROP TABLE content_models;
