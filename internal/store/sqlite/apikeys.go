package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

const apiKeyCols = `k.id, k.tenant_id, k.hash, k.created_at, k.revoked_at, k.source, k.expires_at, k.last_used_at`

func scanAPIKey(dst *store.APIKey, created, revoked, expires, used *int64, source *string) []any {
	return []any{&dst.ID, &dst.TenantID, &dst.Hash, created, revoked, source, expires, used}
}

func fillAPIKey(k *store.APIKey, created, revoked, expires, used int64, source string) {
	k.CreatedAt, k.RevokedAt, k.ExpiresAt, k.LastUsedAt = tm(created), tm(revoked), tm(expires), tm(used)
	k.Source = store.KeySource(source)
}

// KeyByHash finds an unrevoked key with this hash and its tenant.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (store.APIKey, store.Tenant, error) {
	var k store.APIKey
	var t store.Tenant
	var created, revoked, expires, used, tcreated int64
	var source string
	var sec []byte
	dst := append(scanAPIKey(&k, &created, &revoked, &expires, &used, &source),
		&t.ID, &t.Name, &t.WebhookURL, &sec, &tcreated)
	err := s.r.QueryRowContext(ctx, `SELECT `+apiKeyCols+`, `+tenantCols+`
		FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
		WHERE k.hash = ? AND k.revoked_at = 0`, hash).Scan(dst...)
	if err != nil {
		return store.APIKey{}, store.Tenant{}, notFound("key by hash", err)
	}
	fillAPIKey(&k, created, revoked, expires, used, source)
	t.CreatedAt = tm(tcreated)
	if t.WebhookSecret, err = s.open(sec); err != nil {
		return store.APIKey{}, store.Tenant{}, err
	}
	return k, t, nil
}

// ListAPIKeys lists the keys of one tenant, or all keys when tenantID is "".
func (s *Store) ListAPIKeys(ctx context.Context, tenantID string) ([]store.APIKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys k
		WHERE ? = '' OR k.tenant_id = ? ORDER BY k.tenant_id, k.created_at, k.id`, tenantID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list api keys: %w", err)
	}
	defer rows.Close()
	var out []store.APIKey
	for rows.Next() {
		var k store.APIKey
		var created, revoked, expires, used int64
		var source string
		if err := rows.Scan(scanAPIKey(&k, &created, &revoked, &expires, &used, &source)...); err != nil {
			return nil, fmt.Errorf("sqlite: list api keys: %w", err)
		}
		fillAPIKey(&k, created, revoked, expires, used, source)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list api keys: %w", err)
	}
	return out, nil
}

// TouchAPIKey moves a key's last use forward to at.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND last_used_at < ?`,
		ms(at), id, ms(at))
	if err != nil {
		return fmt.Errorf("sqlite: touch api key: %w", err)
	}
	return nil
}

// SetAPIKeySource records where a key came from.
func (s *Store) SetAPIKeySource(ctx context.Context, id string, source store.KeySource) error {
	res, err := s.w.ExecContext(ctx, `UPDATE api_keys SET source = ? WHERE id = ?`, string(source), id)
	if err != nil {
		return fmt.Errorf("sqlite: set api key source: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: set api key source %s: %w", id, store.ErrNotFound)
	}
	return nil
}
