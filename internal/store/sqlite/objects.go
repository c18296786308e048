package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutObjects records owned objects; the first record of an id wins.
func (s *Store) PutObjects(ctx context.Context, objs []store.OwnedObject) error {
	if len(objs) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		m := newMultiRow(tx, `INSERT INTO owned_objects (id, tenant_id, kind, sender_id, waba_id, created_at) VALUES `,
			` ON CONFLICT (id) DO NOTHING`, 6)
		defer m.close()
		for _, o := range objs {
			if err := m.add(ctx, o.ID, o.TenantID, string(o.Kind), o.SenderID, o.WABAID, ms(o.CreatedAt)); err != nil {
				return fmt.Errorf("sqlite: put objects: %w", err)
			}
		}
		if err := m.flush(ctx); err != nil {
			return fmt.Errorf("sqlite: put objects: %w", err)
		}
		return nil
	})
}

// GetObject returns the record of an owned object.
func (s *Store) GetObject(ctx context.Context, id string) (store.OwnedObject, error) {
	var o store.OwnedObject
	var kind string
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT id, tenant_id, kind, sender_id, waba_id, created_at FROM owned_objects WHERE id = ?`, id).
		Scan(&o.ID, &o.TenantID, &kind, &o.SenderID, &o.WABAID, &created)
	if err != nil {
		return store.OwnedObject{}, notFound("get object", err)
	}
	o.Kind, o.CreatedAt = store.ObjectKind(kind), tm(created)
	return o, nil
}

// DeleteObject forgets an owned object.
func (s *Store) DeleteObject(ctx context.Context, id string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM owned_objects WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete object: %w", err)
	}
	return nil
}
