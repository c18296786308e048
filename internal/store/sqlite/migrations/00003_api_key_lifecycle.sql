-- +goose Up
-- API keys learn where they came from (so keys removed from the
-- configuration can be revoked at start), when they stop working, and when
-- they were last used. Keys that predate this migration are 'legacy': their
-- origin is unknown, and a start that finds them in the configuration
-- adopts them as 'config'.
ALTER TABLE api_keys ADD COLUMN source TEXT NOT NULL DEFAULT 'legacy';
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- +goose Down
DROP INDEX api_keys_tenant;
ALTER TABLE api_keys DROP COLUMN last_used_at;
ALTER TABLE api_keys DROP COLUMN expires_at;
ALTER TABLE api_keys DROP COLUMN source;
