package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutIdentities implements store.Identities.
func (s *Store) PutIdentities(ctx context.Context, ids []store.Identity) error {
	if len(ids) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `INSERT INTO identities (tenant_id, user_id, wa_id, seen_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (tenant_id, user_id) DO UPDATE SET wa_id = excluded.wa_id, seen_at = excluded.seen_at
				WHERE excluded.seen_at >= identities.seen_at`, id.TenantID, id.UserID, id.WaID, msTime(id.SeenAt)); err != nil {
				return fmt.Errorf("postgres: put identity: %w", err)
			}
		}
		return nil
	})
}

// LinkedIdentity implements store.Identities.
func (s *Store) LinkedIdentity(ctx context.Context, tenantID, id string) (string, error) {
	q := `SELECT user_id FROM identities WHERE tenant_id = $1 AND wa_id = $2 ORDER BY seen_at DESC LIMIT 1`
	if strings.Contains(id, ".") { // a BSUID ("BR.123…"); wa_ids are digits
		q = `SELECT wa_id FROM identities WHERE tenant_id = $1 AND user_id = $2`
	}
	var other string
	err := s.pool.QueryRow(ctx, q, tenantID, id).Scan(&other)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: linked identity: %w", err)
	}
	return other, nil
}
