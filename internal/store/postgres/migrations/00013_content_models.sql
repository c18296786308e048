-- +goose Up
-- Tenants' content classifiers, every version kept for rollback. model is
-- the encoded model (counts of words from the tenant's labelled messages);
-- held_out the JSON of its figures on the tenant's held-out examples. At
-- most one active model per tenant; none means the built-in model.
CREATE TABLE content_models (
    tenant_id     text NOT NULL,
    version       int NOT NULL,
    created_at    timestamptz NOT NULL,
    training_rows int NOT NULL,
    tenant_rows   int NOT NULL,
    held_out      text NOT NULL,
    active        boolean NOT NULL,
    model         bytea NOT NULL,
    PRIMARY KEY (tenant_id, version)
);
CREATE UNIQUE INDEX content_models_active ON content_models (tenant_id) WHERE active;

-- +goose Down
DROP TABLE content_models;
