package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/wabaguard/wabaguard/internal/store"
)

// AddContentModel stores the tenant's next model version as the active one.
func (s *Store) AddContentModel(ctx context.Context, m store.ContentModel) (int, error) {
	var version int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM content_models WHERE tenant_id = ?`,
			m.TenantID).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE content_models SET active = 0 WHERE tenant_id = ? AND active = 1`, m.TenantID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO content_models
			(tenant_id, version, created_at, training_rows, tenant_rows, held_out, active, model)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?)`,
			m.TenantID, version, ms(m.CreatedAt), m.TrainingRows, m.TenantRows, m.HeldOut, nonNil(m.Model))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: add content model: %w", err)
	}
	return version, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ListContentModels lists a tenant's models, newest first, without bytes.
func (s *Store) ListContentModels(ctx context.Context, tenantID string) ([]store.ContentModel, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant_id, version, created_at, training_rows, tenant_rows, held_out, active
		FROM content_models WHERE tenant_id = ? ORDER BY version DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list content models: %w", err)
	}
	defer rows.Close()
	var out []store.ContentModel
	for rows.Next() {
		var m store.ContentModel
		var created int64
		var active int
		if err := rows.Scan(&m.TenantID, &m.Version, &created, &m.TrainingRows, &m.TenantRows, &m.HeldOut, &active); err != nil {
			return nil, fmt.Errorf("sqlite: list content models: %w", err)
		}
		m.CreatedAt, m.Active = tm(created), active != 0
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list content models: %w", err)
	}
	return out, nil
}

// ActiveContentModel returns the tenant's active model with its bytes.
func (s *Store) ActiveContentModel(ctx context.Context, tenantID string) (store.ContentModel, error) {
	var m store.ContentModel
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT tenant_id, version, created_at, training_rows, tenant_rows, held_out, model
		FROM content_models WHERE tenant_id = ? AND active = 1`, tenantID).
		Scan(&m.TenantID, &m.Version, &created, &m.TrainingRows, &m.TenantRows, &m.HeldOut, &m.Model)
	if err != nil {
		return store.ContentModel{}, notFound("active content model", err)
	}
	m.CreatedAt, m.Active = tm(created), true
	return m, nil
}

// ActivateContentModel makes version the tenant's active model (0: none).
func (s *Store) ActivateContentModel(ctx context.Context, tenantID string, version int) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if version != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM content_models WHERE tenant_id = ? AND version = ?`,
				tenantID, version).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("version %d of tenant %s: %w", version, tenantID, store.ErrNotFound)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE content_models SET active = 0 WHERE tenant_id = ? AND active = 1`, tenantID); err != nil {
			return err
		}
		if version == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE content_models SET active = 1 WHERE tenant_id = ? AND version = ?`, tenantID, version)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: activate content model: %w", err)
	}
	return nil
}

// ActiveContentModels maps each tenant with an active model to its version.
func (s *Store) ActiveContentModels(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant_id, version FROM content_models WHERE active = 1`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: active content models: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var tenant string
		var v int
		if err := rows.Scan(&tenant, &v); err != nil {
			return nil, fmt.Errorf("sqlite: active content models: %w", err)
		}
		out[tenant] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: active content models: %w", err)
	}
	return out, nil
}
