package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutIdentities implements store.Identities.
func (s *Store) PutIdentities(ctx context.Context, ids []store.Identity) error {
	if len(ids) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO identities (tenant_id, user_id, wa_id, seen_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (tenant_id, user_id) DO UPDATE SET wa_id = excluded.wa_id, seen_at = excluded.seen_at
				WHERE excluded.seen_at >= identities.seen_at`, id.TenantID, id.UserID, id.WaID, ms(id.SeenAt)); err != nil {
				return fmt.Errorf("sqlite: put identity: %w", err)
			}
		}
		return nil
	})
}

// LinkedIdentity implements store.Identities.
func (s *Store) LinkedIdentity(ctx context.Context, tenantID, id string) (string, error) {
	q := `SELECT user_id FROM identities WHERE tenant_id = ? AND wa_id = ? ORDER BY seen_at DESC LIMIT 1`
	if strings.Contains(id, ".") { // a BSUID ("BR.123…"); wa_ids are digits
		q = `SELECT wa_id FROM identities WHERE tenant_id = ? AND user_id = ?`
	}
	st, err := s.read(ctx, q)
	if err != nil {
		return "", fmt.Errorf("sqlite: linked identity: %w", err)
	}
	var other string
	err = st.QueryRowContext(ctx, tenantID, id).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: linked identity: %w", err)
	}
	return other, nil
}
