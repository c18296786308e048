package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// RecentSends implements store.Cadences.
func (s *Store) RecentSends(ctx context.Context, tenantID, waID string, since time.Time) ([]store.ContactSend, error) {
	rows, err := s.pool.Query(ctx, `SELECT tenant_id, wa_id, category, content_hash, message_id, sent_at FROM contact_sends
		WHERE tenant_id = $1 AND wa_id = $2 AND sent_at >= $3 ORDER BY sent_at, message_id`, tenantID, waID, since)
	if err != nil {
		return nil, fmt.Errorf("postgres: recent sends: %w", err)
	}
	out, err := scanSends(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: recent sends: %w", err)
	}
	return out, nil
}

func scanSends(rows pgx.Rows) ([]store.ContactSend, error) {
	var out []store.ContactSend
	var cs store.ContactSend
	_, err := pgx.ForEachRow(rows, []any{&cs.TenantID, &cs.WaID, &cs.Category, &cs.ContentHash, &cs.MessageID, &cs.At}, func() error {
		cs.At = cs.At.UTC()
		out = append(out, cs)
		return nil
	})
	return out, err
}

// PruneContactSends implements store.Cadences.
func (s *Store) PruneContactSends(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM contact_sends WHERE sent_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("postgres: prune contact sends: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// admitCadences checks the cadences of a commit's intakes and records those
// that pass; it returns the intakes still to record. Each contact is locked
// for the rest of the transaction (an advisory lock on a hash of tenant and
// wa_id, taken in one global order so that two commits never deadlock on
// them; two contacts sharing a hash only wait for each other), so that another replica's commit for the same contact waits and
// then counts this one's sends: a cap holds exactly across replicas.
func admitCadences(ctx context.Context, tx pgx.Tx, items []*store.Intake) ([]*store.Intake, error) {
	since := map[store.ContactKey]time.Time{}
	for _, it := range items {
		if cd := it.Cadence; cd != nil && it.Message != nil {
			cd.Refused = ""
			k := store.ContactKey{TenantID: cd.TenantID, WaID: cd.WaID}
			if s, ok := since[k]; !ok || cd.Since().Before(s) {
				since[k] = cd.Since()
			}
		}
	}
	if len(since) == 0 {
		return items, nil
	}
	keys := make([]store.ContactKey, 0, len(since))
	for k := range since {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.ContactKey) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.WaID, b.WaID))
	})
	n := len(keys)
	tenants, waIDs, from := make([]string, n), make([]string, n), make([]time.Time, n)
	for i, k := range keys {
		tenants[i], waIDs[i], from[i] = k.TenantID, k.WaID, since[k]
	}
	// Locks first, in key order (ORDER BY in the lateral keeps it), then a
	// read that sees every commit that held them before.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(k.t || ' ' || k.w, 1462))
		FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(t, w, i) ORDER BY k.i`, tenants, waIDs); err != nil {
		return nil, fmt.Errorf("lock contacts: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT s.tenant_id, s.wa_id, s.category, s.content_hash, s.message_id, s.sent_at
		FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(t, w, since)
		JOIN contact_sends s ON s.tenant_id = k.t AND s.wa_id = k.w AND s.sent_at >= k.since
		ORDER BY s.sent_at, s.message_id`, tenants, waIDs, from)
	if err != nil {
		return nil, fmt.Errorf("recent sends: %w", err)
	}
	all, err := scanSends(rows)
	if err != nil {
		return nil, fmt.Errorf("recent sends: %w", err)
	}
	recent := map[store.ContactKey][]store.ContactSend{}
	for _, cs := range all {
		k := store.ContactKey{TenantID: cs.TenantID, WaID: cs.WaID}
		recent[k] = append(recent[k], cs)
	}

	var keep []*store.Intake
	var rows2 []store.ContactSend
	var dropT, dropK []string
	for _, it := range items {
		cd := it.Cadence
		if cd == nil || it.Message == nil {
			keep = append(keep, it)
			continue
		}
		k := store.ContactKey{TenantID: cd.TenantID, WaID: cd.WaID}
		if cd.Refused = cd.Check(recent[k]); cd.Refused != "" {
			if id := it.Idempotency; id != nil {
				dropT, dropK = append(dropT, id.TenantID), append(dropK, id.Key)
			}
			continue
		}
		row := cd.Row()
		recent[k] = append(recent[k], row)
		rows2 = append(rows2, row)
		keep = append(keep, it)
	}
	if len(dropT) > 0 {
		// Nothing of a refused intake stays: a retry with its key is
		// decided afresh.
		if _, err := tx.Exec(ctx, `DELETE FROM idempotency i USING unnest($1::text[], $2::text[]) AS d(t, k)
			WHERE i.tenant_id = d.t AND i.key = d.k`, dropT, dropK); err != nil {
			return nil, fmt.Errorf("drop idempotency of refused: %w", err)
		}
	}
	if len(rows2) > 0 {
		m := len(rows2)
		ids, ts, ws, cats, hashes, ats := make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]string, m), make([]time.Time, m)
		for i, r := range rows2 {
			ids[i], ts[i], ws[i], cats[i], hashes[i], ats[i] = r.MessageID, r.TenantID, r.WaID, r.Category, r.ContentHash, r.At
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contact_sends (message_id, tenant_id, wa_id, category, content_hash, sent_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
			ids, ts, ws, cats, hashes, ats); err != nil {
			return nil, fmt.Errorf("insert contact sends: %w", err)
		}
	}
	return keep, nil
}
