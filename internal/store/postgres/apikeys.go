package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wabaguard/wabaguard/internal/store"
)

const apiKeyCols = `k.id, k.tenant_id, k.hash, k.created_at, k.revoked_at, k.source, k.expires_at, k.last_used_at`

// apiKeyRow holds the nullable columns of a key while it is scanned.
type apiKeyRow struct {
	k                      store.APIKey
	revoked, expires, used pgtype.Timestamptz
	source                 string
}

func (r *apiKeyRow) dest() []any {
	return []any{&r.k.ID, &r.k.TenantID, &r.k.Hash, &r.k.CreatedAt, &r.revoked, &r.source, &r.expires, &r.used}
}

func (r *apiKeyRow) key() store.APIKey {
	k := r.k
	k.CreatedAt = utc(k.CreatedAt)
	k.RevokedAt, k.ExpiresAt, k.LastUsedAt = fromNull(r.revoked), fromNull(r.expires), fromNull(r.used)
	k.Source = store.KeySource(r.source)
	return k
}

// KeyByHash finds an unrevoked key with this hash and its tenant.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (store.APIKey, store.Tenant, error) {
	var r apiKeyRow
	var t store.Tenant
	var sec []byte
	dst := append(r.dest(), &t.ID, &t.Name, &t.WebhookURL, &sec, &t.CreatedAt)
	err := s.pool.QueryRow(ctx, `SELECT `+apiKeyCols+`, `+tenantCols+`
		FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
		WHERE k.hash = $1 AND k.revoked_at IS NULL`, hash).Scan(dst...)
	if err != nil {
		return store.APIKey{}, store.Tenant{}, notFound(err, "key by hash")
	}
	t.CreatedAt = utc(t.CreatedAt)
	if t.WebhookSecret, err = s.open(sec); err != nil {
		return store.APIKey{}, store.Tenant{}, err
	}
	return r.key(), t, nil
}

// ListAPIKeys lists the keys of one tenant, or all keys when tenantID is "".
func (s *Store) ListAPIKeys(ctx context.Context, tenantID string) ([]store.APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiKeyCols+` FROM api_keys k
		WHERE $1 = '' OR k.tenant_id = $1 ORDER BY k.tenant_id, k.created_at, k.id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list api keys: %w", err)
	}
	defer rows.Close()
	var out []store.APIKey
	for rows.Next() {
		var r apiKeyRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("postgres: list api keys: %w", err)
		}
		out = append(out, r.key())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list api keys: %w", err)
	}
	return out, nil
}

// TouchAPIKey moves a key's last use forward to at.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`, id, at)
	if err != nil {
		return fmt.Errorf("postgres: touch api key: %w", err)
	}
	return nil
}

// SetAPIKeySource records where a key came from.
func (s *Store) SetAPIKeySource(ctx context.Context, id string, source store.KeySource) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET source = $2 WHERE id = $1`, id, string(source))
	if err != nil {
		return fmt.Errorf("postgres: set api key source: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: set api key source %q: %w", id, store.ErrNotFound)
	}
	return nil
}
