-- +goose Up
-- The local template cache (package template): every WABA's message
-- templates as the last sync from the Graph API listed them, kept current
-- by template webhooks and by creations seen through the gateway.
-- components is Meta's JSON ('' when only a webhook has told of the
-- template); updated_at is when the row's content was true, so an older
-- change never overwrites a newer one. template_syncs says which WABAs have
-- been listed completely: for them a missing row means "no such template".
-- Times are integer unix milliseconds.
CREATE TABLE templates (
    waba_id          TEXT NOT NULL,
    name             TEXT NOT NULL,
    language         TEXT NOT NULL,
    id               TEXT NOT NULL,
    category         TEXT NOT NULL,
    status           TEXT NOT NULL,
    quality          TEXT NOT NULL,
    parameter_format TEXT NOT NULL,
    reason           TEXT NOT NULL,
    components       BLOB NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (waba_id, name, language)
) STRICT, WITHOUT ROWID;

CREATE TABLE template_syncs (
    waba_id   TEXT PRIMARY KEY,
    synced_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE template_syncs;
DROP TABLE templates;
