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

// Forward states as stored and as reported by ForwardCounts.
const (
	forwardPending = "pending"
	forwardDone    = "done"
	forwardDead    = "dead"
)

func insertForwards(ctx context.Context, tx pgx.Tx, fs []store.Forward) error {
	fs, err := freshForwards(ctx, tx, fs)
	if err != nil {
		return err
	}
	n := len(fs)
	if n == 0 {
		return nil
	}
	tenants, wabas, fields := make([]string, n), make([]string, n), make([]string, n)
	values, created, attempts, next := make([][]byte, n), make([]time.Time, n), make([]int32, n), make([]time.Time, n)
	entryTimes, lanes := make([]int64, n), make([]string, n)
	for i, f := range fs {
		tenants[i], wabas[i], fields[i], values[i] = f.TenantID, f.WABAID, f.Field, f.Value
		if values[i] == nil {
			values[i] = []byte{}
		}
		created[i], attempts[i], next[i] = f.CreatedAt, int32(f.Attempts), f.NextAttemptAt
		entryTimes[i], lanes[i] = f.EntryTime, f.Lane
		if next[i].IsZero() {
			// Unscheduled means due as soon as it exists.
			next[i] = f.CreatedAt
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO forwards (tenant_id, waba_id, field, value, created_at, attempts, next_attempt_at, entry_time, lane)
		SELECT t, w, f, v, c, a, n, e, l
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::timestamptz[], $6::int[], $7::timestamptz[], $8::bigint[], $9::text[])
			WITH ORDINALITY AS x(t, w, f, v, c, a, n, e, l, ord)
		ORDER BY ord`, tenants, wabas, fields, values, created, attempts, next, entryTimes, lanes); err != nil {
		return fmt.Errorf("insert forwards: %w", err)
	}
	return nil
}

// freshForwards remembers the event keys of fs and returns fs without the
// forwards none of whose keys is new, in order. Of two forwards in fs
// sharing a new key, the first one has it.
func freshForwards(ctx context.Context, tx pgx.Tx, fs []store.Forward) ([]store.Forward, error) {
	at := map[string]time.Time{}
	for _, f := range fs {
		for _, k := range f.EventKeys {
			if _, ok := at[k]; !ok {
				at[k] = f.CreatedAt
			}
		}
	}
	if len(at) == 0 {
		return fs, nil
	}
	// In key order, so that transactions remembering the same keys take
	// their locks in the same order.
	keys := make([]string, 0, len(at))
	for k := range at {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := make([]time.Time, len(keys))
	for i, k := range keys {
		seen[i] = at[k]
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO event_keys (key, seen_at)
		SELECT * FROM unnest($1::text[], $2::timestamptz[])
		ON CONFLICT (key) DO NOTHING
		RETURNING key`, keys, seen)
	if err != nil {
		return nil, fmt.Errorf("remember event keys: %w", err)
	}
	fresh := make(map[string]bool, len(keys))
	var k string
	if _, err := pgx.ForEachRow(rows, []any{&k}, func() error {
		fresh[k] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("remember event keys: %w", err)
	}
	out := fs[:0:0]
	for _, f := range fs {
		keep := len(f.EventKeys) == 0
		for _, k := range f.EventKeys {
			if fresh[k] {
				keep = true
				delete(fresh, k)
			}
		}
		if keep {
			out = append(out, f)
		}
	}
	return out, nil
}

// PruneEventKeys forgets event keys first seen before before.
func (s *Store) PruneEventKeys(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM event_keys WHERE seen_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("postgres: prune event keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// ClaimForwards returns up to limit due forwards, oldest first, claimed
// until now+lease; forwards claimed concurrently are skipped, and so is a
// laned forward while an earlier one of its lane is pending.
func (s *Store) ClaimForwards(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Forward, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM forwards
			WHERE state = 'pending' AND next_attempt_at <= $1 AND COALESCE(claimed_until, '-infinity') <= $1
				AND (lane = '' OR NOT EXISTS (SELECT 1 FROM forwards p
					WHERE p.tenant_id = forwards.tenant_id AND p.lane = forwards.lane AND p.lane <> ''
						AND p.state = 'pending' AND p.id < forwards.id))
			ORDER BY next_attempt_at, id
			LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE forwards f SET claimed_until = $3
		FROM due WHERE f.id = due.id
		RETURNING f.id, f.tenant_id, f.waba_id, f.field, f.value, f.created_at, f.attempts, f.next_attempt_at, f.entry_time, f.lane`,
		now, limit, now.Add(lease))
	if err != nil {
		return nil, fmt.Errorf("postgres: claim forwards: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Forward, error) {
		var f store.Forward
		err := r.Scan(&f.ID, &f.TenantID, &f.WABAID, &f.Field, &f.Value, &f.CreatedAt, &f.Attempts, &f.NextAttemptAt, &f.EntryTime, &f.Lane)
		f.CreatedAt, f.NextAttemptAt = utc(f.CreatedAt), utc(f.NextAttemptAt)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim forwards: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Forward) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// CompleteForwards marks forwards delivered.
func (s *Store) CompleteForwards(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `
		UPDATE forwards SET state = 'done', done_at = $2, claimed_until = NULL
		WHERE id = ANY($1::bigint[])`, ids, at); err != nil {
		return fmt.Errorf("postgres: complete forwards: %w", err)
	}
	return nil
}

// RetryForwards reschedules forwards after failed deliveries, or marks
// them dead when GiveUp is set.
func (s *Store) RetryForwards(ctx context.Context, rs []store.ForwardRetry) error {
	n := len(rs)
	if n == 0 {
		return nil
	}
	ids, attempts, next := make([]int64, n), make([]int32, n), make([]time.Time, n)
	lastErr, giveUp := make([]string, n), make([]bool, n)
	for i, r := range rs {
		ids[i], attempts[i], next[i], lastErr[i], giveUp[i] = r.ID, int32(r.Attempts), r.NextAt, r.LastError, r.GiveUp
	}
	if _, err := s.pool.Exec(ctx, `
		UPDATE forwards f SET attempts = v.attempts, next_attempt_at = v.next_at, last_error = v.last_error,
			claimed_until = NULL, state = CASE WHEN v.give_up THEN 'dead' ELSE 'pending' END
		FROM unnest($1::bigint[], $2::int[], $3::timestamptz[], $4::text[], $5::bool[])
			AS v(id, attempts, next_at, last_error, give_up)
		WHERE f.id = v.id AND f.state = 'pending'`, ids, attempts, next, lastErr, giveUp); err != nil {
		return fmt.Errorf("postgres: retry forwards: %w", err)
	}
	// The forwards behind a retried one in its lane wait at least as long,
	// so that claims do not wade through them meanwhile.
	if _, err := s.pool.Exec(ctx, `
		UPDATE forwards f SET next_attempt_at = GREATEST(f.next_attempt_at, v.next_at)
		FROM unnest($1::bigint[], $2::timestamptz[], $3::bool[]) AS v(id, next_at, give_up)
			JOIN forwards h ON h.id = v.id
		WHERE NOT v.give_up AND h.lane <> '' AND f.tenant_id = h.tenant_id AND f.lane = h.lane
			AND f.state = 'pending' AND f.id > h.id`, ids, next, giveUp); err != nil {
		return fmt.Errorf("postgres: retry forwards: %w", err)
	}
	return nil
}

// ForwardCounts counts forwards by state (pending, done, dead); every state
// is present in the map, zero included.
func (s *Store) ForwardCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT state, count(*) FROM forwards GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("postgres: forward counts: %w", err)
	}
	out := map[string]int{forwardPending: 0, forwardDone: 0, forwardDead: 0}
	var state string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&state, &n}, func() error {
		out[state] = n
		return nil
	}); err != nil {
		return nil, fmt.Errorf("postgres: forward counts: %w", err)
	}
	return out, nil
}

// EventForwards returns a tenant's forwards about a WABA other than
// messages, newest first.
func (s *Store) EventForwards(ctx context.Context, tenantID, wabaID string, fields []string, limit int) ([]store.Forward, error) {
	if limit <= 0 {
		return nil, nil
	}
	if fields == nil {
		fields = []string{}
	}
	// field <> 'messages' stays in the query even with a list: it is the
	// predicate of the partial index forwards_events.
	rows, err := s.pool.Query(ctx, `SELECT id, tenant_id, waba_id, field, value, created_at, entry_time, lane FROM forwards
		WHERE tenant_id = $1 AND waba_id = $2 AND field <> 'messages' AND (cardinality($3::text[]) = 0 OR field = ANY($3::text[]))
		ORDER BY id DESC LIMIT $4`, tenantID, wabaID, fields, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: event forwards: %w", err)
	}
	defer rows.Close()
	var out []store.Forward
	for rows.Next() {
		var f store.Forward
		if err := rows.Scan(&f.ID, &f.TenantID, &f.WABAID, &f.Field, &f.Value, &f.CreatedAt, &f.EntryTime, &f.Lane); err != nil {
			return nil, fmt.Errorf("postgres: event forwards: %w", err)
		}
		f.CreatedAt = utc(f.CreatedAt)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: event forwards: %w", err)
	}
	return out, nil
}
