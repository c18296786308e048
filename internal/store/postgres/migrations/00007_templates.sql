-- +goose Up
-- The local template cache (package template): every WABA's message
-- templates as the last sync from the Graph API listed them, kept current
-- by template webhooks and by creations seen through the gateway.
-- components is Meta's JSON (empty when only a webhook has told of the
-- template); updated_at is when the row's content was true, so an older
-- change never overwrites a newer one. template_syncs says which WABAs have
-- been listed completely: for them a missing row means "no such template".
CREATE TABLE templates (
    waba_id          text NOT NULL,
    name             text NOT NULL,
    language         text NOT NULL,
    id               text NOT NULL,
    category         text NOT NULL,
    status           text NOT NULL,
    quality          text NOT NULL,
    parameter_format text NOT NULL,
    reason           text NOT NULL,
    components       bytea NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (waba_id, name, language)
);

CREATE TABLE template_syncs (
    waba_id   text PRIMARY KEY,
    synced_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE template_syncs;
DROP TABLE templates;
