package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// lockTenantModels serialises the writers of one tenant's models, so two
// trainings at once cannot both take the same next version.
func lockTenantModels(ctx context.Context, tx pgx.Tx, tenantID string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('content_models:' || $1, 0))`, tenantID)
	return err
}

// AddContentModel stores the tenant's next model version as the active one.
func (s *Store) AddContentModel(ctx context.Context, m store.ContentModel) (int, error) {
	var version int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockTenantModels(ctx, tx, m.TenantID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM content_models WHERE tenant_id = $1`,
			m.TenantID).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE content_models SET active = false WHERE tenant_id = $1 AND active`, m.TenantID); err != nil {
			return err
		}
		model := m.Model
		if model == nil {
			model = []byte{}
		}
		_, err := tx.Exec(ctx, `INSERT INTO content_models
			(tenant_id, version, created_at, training_rows, tenant_rows, held_out, active, model)
			VALUES ($1, $2, $3, $4, $5, $6, true, $7)`,
			m.TenantID, version, m.CreatedAt, m.TrainingRows, m.TenantRows, m.HeldOut, model)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: add content model: %w", err)
	}
	return version, nil
}

// ListContentModels lists a tenant's models, newest first, without bytes.
func (s *Store) ListContentModels(ctx context.Context, tenantID string) ([]store.ContentModel, error) {
	rows, err := s.pool.Query(ctx, `SELECT tenant_id, version, created_at, training_rows, tenant_rows, held_out, active
		FROM content_models WHERE tenant_id = $1 ORDER BY version DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list content models: %w", err)
	}
	defer rows.Close()
	var out []store.ContentModel
	for rows.Next() {
		var m store.ContentModel
		if err := rows.Scan(&m.TenantID, &m.Version, &m.CreatedAt, &m.TrainingRows, &m.TenantRows, &m.HeldOut, &m.Active); err != nil {
			return nil, fmt.Errorf("postgres: list content models: %w", err)
		}
		m.CreatedAt = utc(m.CreatedAt)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list content models: %w", err)
	}
	return out, nil
}

// ActiveContentModel returns the tenant's active model with its bytes.
func (s *Store) ActiveContentModel(ctx context.Context, tenantID string) (store.ContentModel, error) {
	var m store.ContentModel
	err := s.pool.QueryRow(ctx, `SELECT tenant_id, version, created_at, training_rows, tenant_rows, held_out, model
		FROM content_models WHERE tenant_id = $1 AND active`, tenantID).
		Scan(&m.TenantID, &m.Version, &m.CreatedAt, &m.TrainingRows, &m.TenantRows, &m.HeldOut, &m.Model)
	if err != nil {
		return store.ContentModel{}, notFound(err, "active content model")
	}
	m.CreatedAt, m.Active = utc(m.CreatedAt), true
	return m, nil
}

// ActivateContentModel makes version the tenant's active model (0: none).
func (s *Store) ActivateContentModel(ctx context.Context, tenantID string, version int) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockTenantModels(ctx, tx, tenantID); err != nil {
			return err
		}
		if version != 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM content_models WHERE tenant_id = $1 AND version = $2)`,
				tenantID, version).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("version %d of tenant %s: %w", version, tenantID, store.ErrNotFound)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE content_models SET active = false WHERE tenant_id = $1 AND active`, tenantID); err != nil {
			return err
		}
		if version == 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE content_models SET active = true WHERE tenant_id = $1 AND version = $2`, tenantID, version)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: activate content model: %w", err)
	}
	return nil
}

// ActiveContentModels maps each tenant with an active model to its version.
func (s *Store) ActiveContentModels(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT tenant_id, version FROM content_models WHERE active`)
	if err != nil {
		return nil, fmt.Errorf("postgres: active content models: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var tenant string
		var v int
		if err := rows.Scan(&tenant, &v); err != nil {
			return nil, fmt.Errorf("postgres: active content models: %w", err)
		}
		out[tenant] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: active content models: %w", err)
	}
	return out, nil
}
