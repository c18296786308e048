package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutObjects records owned objects; the first record of an id wins.
func (s *Store) PutObjects(ctx context.Context, objs []store.OwnedObject) error {
	if len(objs) == 0 {
		return nil
	}
	// The first of equal ids in the batch is the one offered; ids go in
	// one global order so concurrent batches wait rather than deadlock.
	seen := make(map[string]bool, len(objs))
	fresh := make([]store.OwnedObject, 0, len(objs))
	for _, o := range objs {
		if !seen[o.ID] {
			seen[o.ID] = true
			fresh = append(fresh, o)
		}
	}
	slices.SortFunc(fresh, func(a, b store.OwnedObject) int { return strings.Compare(a.ID, b.ID) })
	n := len(fresh)
	ids, tenants, kinds, senders, wabas := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	created := make([]time.Time, n)
	for i, o := range fresh {
		ids[i], tenants[i], kinds[i], senders[i], wabas[i], created[i] = o.ID, o.TenantID, string(o.Kind), o.SenderID, o.WABAID, o.CreatedAt
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO owned_objects (id, tenant_id, kind, sender_id, waba_id, created_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
			ON CONFLICT (id) DO NOTHING`, ids, tenants, kinds, senders, wabas, created)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put objects: %w", err)
	}
	return nil
}

// GetObject returns the record of an owned object.
func (s *Store) GetObject(ctx context.Context, id string) (store.OwnedObject, error) {
	var o store.OwnedObject
	var kind string
	err := s.pool.QueryRow(ctx, `SELECT id, tenant_id, kind, sender_id, waba_id, created_at FROM owned_objects WHERE id = $1`, id).
		Scan(&o.ID, &o.TenantID, &kind, &o.SenderID, &o.WABAID, &o.CreatedAt)
	if err != nil {
		return store.OwnedObject{}, notFound(err, "get object")
	}
	o.Kind, o.CreatedAt = store.ObjectKind(kind), utc(o.CreatedAt)
	return o, nil
}

// DeleteObject forgets an owned object.
func (s *Store) DeleteObject(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM owned_objects WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: delete object: %w", err)
	}
	return nil
}
