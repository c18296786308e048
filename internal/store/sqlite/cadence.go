package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// RecentSends implements store.Cadences.
func (s *Store) RecentSends(ctx context.Context, tenantID, waID string, since time.Time) ([]store.ContactSend, error) {
	st, err := s.read(ctx, recentQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: recent sends: %w", err)
	}
	out, err := recentSends(ctx, stmtQuerier{st}, store.ContactKey{TenantID: tenantID, WaID: waID}, since)
	if err != nil {
		return nil, fmt.Errorf("sqlite: recent sends: %w", err)
	}
	return out, nil
}

const recentQuery = `SELECT category, content_hash, message_id, sent_at FROM contact_sends
	WHERE tenant_id = ? AND wa_id = ? AND sent_at >= ? ORDER BY sent_at, message_id`

// stmtQuerier runs a prepared statement as a querier of its own query.
type stmtQuerier struct{ st *sql.Stmt }

func (q stmtQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return q.st.QueryContext(ctx, args...)
}

func recentSends(ctx context.Context, q querier, k store.ContactKey, since time.Time) ([]store.ContactSend, error) {
	rows, err := q.QueryContext(ctx, recentQuery, k.TenantID, k.WaID, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ContactSend
	for rows.Next() {
		cs := store.ContactSend{TenantID: k.TenantID, WaID: k.WaID}
		var at int64
		if err := rows.Scan(&cs.Category, &cs.ContentHash, &cs.MessageID, &at); err != nil {
			return nil, err
		}
		cs.At = tm(at)
		out = append(out, cs)
	}
	return out, rows.Err()
}

// PruneContactSends implements store.Cadences.
func (s *Store) PruneContactSends(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM contact_sends WHERE sent_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune contact sends: %w", err)
	}
	n, err := rowsAffected(res)
	return int(n), err
}

// cadenceCheck checks and records the cadences of one commit. The
// transaction holds SQLite's write lock, so no other commit, from this
// process or another, counts at the same time.
type cadenceCheck struct {
	since  map[store.ContactKey]time.Time
	recent map[store.ContactKey][]store.ContactSend
	insert *sql.Stmt
	read   *sql.Stmt
}

func newCadenceCheck(ctx context.Context, tx *sql.Tx, items []*store.Intake) (*cadenceCheck, error) {
	c := &cadenceCheck{since: map[store.ContactKey]time.Time{}, recent: map[store.ContactKey][]store.ContactSend{}}
	for _, it := range items {
		if cd := it.Cadence; cd != nil {
			cd.Refused = ""
			k := store.ContactKey{TenantID: cd.TenantID, WaID: cd.WaID}
			if s, ok := c.since[k]; !ok || cd.Since().Before(s) {
				c.since[k] = cd.Since()
			}
		}
	}
	if len(c.since) == 0 {
		return c, nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO contact_sends (message_id, tenant_id, wa_id, category, content_hash, sent_at)
		VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	c.insert = st
	// One statement for the batch's reads: this runs on the single writer.
	if c.read, err = tx.PrepareContext(ctx, recentQuery); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *cadenceCheck) close() {
	for _, st := range []*sql.Stmt{c.insert, c.read} {
		if st != nil {
			_ = st.Close()
		}
	}
}

// admit checks cd and records it when it passes.
func (c *cadenceCheck) admit(ctx context.Context, cd *store.Cadence) error {
	k := store.ContactKey{TenantID: cd.TenantID, WaID: cd.WaID}
	recent, ok := c.recent[k]
	if !ok {
		var err error
		if recent, err = recentSends(ctx, stmtQuerier{c.read}, k, c.since[k]); err != nil {
			return fmt.Errorf("recent sends: %w", err)
		}
	}
	if cd.Refused = cd.Check(recent); cd.Refused != "" {
		c.recent[k] = recent
		return nil
	}
	row := cd.Row()
	if _, err := c.insert.ExecContext(ctx, row.MessageID, row.TenantID, row.WaID, row.Category, row.ContentHash, ms(row.At)); err != nil {
		return fmt.Errorf("contact send: %w", err)
	}
	c.recent[k] = append(recent, row)
	return nil
}
