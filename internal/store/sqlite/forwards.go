package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// forwardWriter enqueues forwards inside one transaction, remembering
// their event keys and leaving out a forward all of whose keys were seen.
type forwardWriter struct {
	tx  *sql.Tx
	ins *sql.Stmt
	key *sql.Stmt // prepared on first use
}

func newForwardWriter(ctx context.Context, tx *sql.Tx) (*forwardWriter, error) {
	st, err := tx.PrepareContext(ctx, `INSERT INTO forwards (tenant_id, waba_id, field, value, created_at, attempts, next_attempt_at, entry_time, lane)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: enqueue forward: %w", err)
	}
	return &forwardWriter{tx: tx, ins: st}, nil
}

func (w *forwardWriter) Close() {
	w.ins.Close()
	if w.key != nil {
		w.key.Close()
	}
}

// add enqueues f unless it has event keys and none of them is new.
func (w *forwardWriter) add(ctx context.Context, f store.Forward) error {
	if len(f.EventKeys) > 0 {
		fresh, err := w.remember(ctx, f.EventKeys, f.CreatedAt)
		if err != nil {
			return err
		}
		if !fresh {
			return nil // every event in it was forwarded before
		}
	}
	if _, err := w.ins.ExecContext(ctx, f.TenantID, f.WABAID, f.Field, f.Value, ms(f.CreatedAt), f.Attempts, ms(f.NextAttemptAt), f.EntryTime, f.Lane); err != nil {
		return fmt.Errorf("sqlite: enqueue forward: %w", err)
	}
	return nil
}

// remember records keys as seen at at and reports whether any was new.
func (w *forwardWriter) remember(ctx context.Context, keys []string, at time.Time) (bool, error) {
	if w.key == nil {
		st, err := w.tx.PrepareContext(ctx, `INSERT INTO event_keys (key, seen_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`)
		if err != nil {
			return false, fmt.Errorf("sqlite: remember event keys: %w", err)
		}
		w.key = st
	}
	fresh := false
	for _, k := range keys {
		res, err := w.key.ExecContext(ctx, k, ms(at))
		if err != nil {
			return false, fmt.Errorf("sqlite: remember event key: %w", err)
		}
		n, err := rowsAffected(res)
		if err != nil {
			return false, err
		}
		fresh = fresh || n > 0
	}
	return fresh, nil
}

// insertForwards enqueues forwards inside tx.
func insertForwards(ctx context.Context, tx *sql.Tx, fs []store.Forward) error {
	if len(fs) == 0 {
		return nil
	}
	w, err := newForwardWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer w.Close()
	for _, f := range fs {
		if err := w.add(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// pruneChunk bounds the keys one pruning statement deletes, so that a day's
// worth of expired keys does not hold the only writer in one long write.
const pruneChunk = 5000

// PruneEventKeys forgets event keys first seen before before, oldest first,
// pruneChunk at a time.
func (s *Store) PruneEventKeys(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.w.ExecContext(ctx, `DELETE FROM event_keys WHERE key IN
			(SELECT key FROM event_keys WHERE seen_at < ? ORDER BY seen_at LIMIT ?)`, ms(before), pruneChunk)
		if err != nil {
			return total, fmt.Errorf("sqlite: prune event keys: %w", err)
		}
		n, err := rowsAffected(res)
		total += n
		if err != nil || n < pruneChunk {
			return total, err
		}
	}
}

// ClaimForwards returns up to limit due pending forwards, oldest first,
// each laned one only when no earlier forward of its lane is pending. A
// claim pushes NextAttemptAt to now+lease, which is what the returned
// forwards carry.
func (s *Store) ClaimForwards(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Forward, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.w.QueryContext(ctx, `UPDATE forwards SET next_attempt_at = ?1
		WHERE id IN (SELECT f.id FROM forwards f
			WHERE f.state = 'pending' AND f.next_attempt_at <= ?2
				AND (f.lane = '' OR NOT EXISTS (SELECT 1 FROM forwards p
					WHERE p.tenant_id = f.tenant_id AND p.lane = f.lane AND p.lane <> '' AND p.state = 'pending' AND p.id < f.id))
			ORDER BY f.next_attempt_at, f.id LIMIT ?3)
		RETURNING id, tenant_id, waba_id, field, value, created_at, attempts, next_attempt_at, entry_time, lane`,
		ms(now.Add(lease)), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim forwards: %w", err)
	}
	defer rows.Close()
	var out []store.Forward
	for rows.Next() {
		var f store.Forward
		var created, next int64
		if err := rows.Scan(&f.ID, &f.TenantID, &f.WABAID, &f.Field, &f.Value, &created, &f.Attempts, &next, &f.EntryTime, &f.Lane); err != nil {
			return nil, fmt.Errorf("sqlite: claim forwards: %w", err)
		}
		f.CreatedAt, f.NextAttemptAt = tm(created), tm(next)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim forwards: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Forward) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// CompleteForwards marks pending forwards delivered.
func (s *Store) CompleteForwards(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE forwards SET state = 'done', done_at = ? WHERE id = ? AND state = 'pending'`)
		if err != nil {
			return fmt.Errorf("sqlite: complete forwards: %w", err)
		}
		defer st.Close()
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, ms(at), id); err != nil {
				return fmt.Errorf("sqlite: complete forward %d: %w", id, err)
			}
		}
		return nil
	})
}

// RetryForwards reschedules pending forwards, or marks them dead on GiveUp.
func (s *Store) RetryForwards(ctx context.Context, rs []store.ForwardRetry) error {
	if len(rs) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE forwards SET attempts = ?, next_attempt_at = ?, last_error = ?, state = ?
			WHERE id = ? AND state = 'pending'`)
		if err != nil {
			return fmt.Errorf("sqlite: retry forwards: %w", err)
		}
		defer st.Close()
		// The forwards behind a retried one in its lane wait at least as
		// long, so that claims do not wade through them meanwhile.
		behind, err := tx.PrepareContext(ctx, `UPDATE forwards SET next_attempt_at = MAX(next_attempt_at, ?1)
			WHERE state = 'pending' AND lane <> '' AND id > ?2
				AND (tenant_id, lane) = (SELECT tenant_id, lane FROM forwards WHERE id = ?2)`)
		if err != nil {
			return fmt.Errorf("sqlite: retry forwards: %w", err)
		}
		defer behind.Close()
		for _, r := range rs {
			state := "pending"
			if r.GiveUp {
				state = "dead"
			}
			if _, err := st.ExecContext(ctx, r.Attempts, ms(r.NextAt), r.LastError, state, r.ID); err != nil {
				return fmt.Errorf("sqlite: retry forward %d: %w", r.ID, err)
			}
			if !r.GiveUp {
				if _, err := behind.ExecContext(ctx, ms(r.NextAt), r.ID); err != nil {
					return fmt.Errorf("sqlite: retry forward %d: %w", r.ID, err)
				}
			}
		}
		return nil
	})
}

// ForwardCounts counts forwards by state; the keys pending, done and dead
// are always present.
func (s *Store) ForwardCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state, COUNT(*) FROM forwards GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: forward counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{"pending": 0, "done": 0, "dead": 0}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("sqlite: forward counts: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: forward counts: %w", err)
	}
	return out, nil
}

// EventForwards returns a tenant's forwards about a WABA other than
// messages, newest first.
func (s *Store) EventForwards(ctx context.Context, tenantID, wabaID string, fields []string, limit int) ([]store.Forward, error) {
	if limit <= 0 {
		return nil, nil
	}
	// field <> 'messages' stays in the query even with a list: it is the
	// predicate of the partial index forwards_events.
	q := `SELECT id, tenant_id, waba_id, field, value, created_at, entry_time, lane FROM forwards
		WHERE tenant_id = ? AND waba_id = ? AND field <> 'messages'`
	args := []any{tenantID, wabaID}
	if len(fields) > 0 {
		q += ` AND field IN (` + placeholders(len(fields)) + `)`
		for _, f := range fields {
			args = append(args, f)
		}
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: event forwards: %w", err)
	}
	defer rows.Close()
	var out []store.Forward
	for rows.Next() {
		var f store.Forward
		var created int64
		if err := rows.Scan(&f.ID, &f.TenantID, &f.WABAID, &f.Field, &f.Value, &created, &f.EntryTime, &f.Lane); err != nil {
			return nil, fmt.Errorf("sqlite: event forwards: %w", err)
		}
		f.CreatedAt = tm(created)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: event forwards: %w", err)
	}
	return out, nil
}
