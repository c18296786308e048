package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// AppendDeliveries persists raw webhook deliveries in one transaction; a
// delivery whose dedupe key is already stored (or appears earlier in the
// batch) is marked Duplicate and not written.
func (s *Store) AppendDeliveries(ctx context.Context, ds []*store.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		seen := make(map[string]bool, len(ds))
		var fresh []*store.Delivery
		for _, d := range ds {
			d.Duplicate = false
			if seen[d.DedupeKey] {
				d.Duplicate = true
				continue
			}
			seen[d.DedupeKey] = true
			fresh = append(fresh, d)
		}
		// A new delivery is due at once, whatever clock stamped ReceivedAt.
		// One global key order: concurrent appends of the same body wait
		// for each other rather than deadlock.
		slices.SortFunc(fresh, func(a, b *store.Delivery) int { return cmp.Compare(a.DedupeKey, b.DedupeKey) })
		n := len(fresh)
		keys, bodies := make([]string, n), make([][]byte, n)
		received, attempts := make([]time.Time, n), make([]int32, n)
		for i, d := range fresh {
			keys[i], bodies[i], received[i], attempts[i] = d.DedupeKey, d.Body, d.ReceivedAt, int32(d.Attempts)
			if bodies[i] == nil {
				bodies[i] = []byte{}
			}
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO deliveries (dedupe_key, body, received_at, attempts, next_attempt_at)
			SELECT k, b, r, a, '-infinity' FROM unnest($1::text[], $2::bytea[], $3::timestamptz[], $4::int[]) AS v(k, b, r, a)
			ON CONFLICT (dedupe_key) DO NOTHING
			RETURNING dedupe_key, id`, keys, bodies, received, attempts)
		if err != nil {
			return fmt.Errorf("insert deliveries: %w", err)
		}
		ids := make(map[string]int64, n)
		var key string
		var id int64
		if _, err := pgx.ForEachRow(rows, []any{&key, &id}, func() error {
			ids[key] = id
			return nil
		}); err != nil {
			return fmt.Errorf("insert deliveries: %w", err)
		}
		for _, d := range fresh {
			if id, ok := ids[d.DedupeKey]; ok {
				d.ID = id
			} else {
				d.Duplicate = true
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: append deliveries: %w", err)
	}
	return nil
}

// ClaimDeliveries returns up to limit unprocessed deliveries due at now, by
// id, claimed until now+lease; rows claimed concurrently are skipped.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM deliveries
			WHERE NOT done AND next_attempt_at <= $1 AND COALESCE(claimed_until, '-infinity') <= $1
			ORDER BY id
			LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE deliveries d SET claimed_until = $3
		FROM due WHERE d.id = due.id
		RETURNING d.id, d.dedupe_key, d.body, d.received_at, d.attempts`, now, limit, now.Add(lease))
	if err != nil {
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Delivery, error) {
		var d store.Delivery
		err := r.Scan(&d.ID, &d.DedupeKey, &d.Body, &d.ReceivedAt, &d.Attempts)
		d.ReceivedAt = utc(d.ReceivedAt)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ApplyWebhooks applies the effects of processed deliveries in one
// transaction. A status event is recorded once per (MetaID, Status); only a
// new event moves its message forward and enqueues its forward, so
// redelivered webhooks change nothing.
func (s *Store) ApplyWebhooks(ctx context.Context, a store.WebhookApply) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		fresh, err := applyStatuses(ctx, tx, a.Statuses)
		if err != nil {
			return err
		}
		if err := insertInbound(ctx, tx, a.Inbound); err != nil {
			return err
		}
		if err := upsertWindows(ctx, tx, a.Windows); err != nil {
			return err
		}
		if err := insertForwards(ctx, tx, a.Forwards); err != nil {
			return err
		}
		if a.Stage != nil {
			staged, err := a.Stage(ctx, fresh)
			if err != nil {
				return fmt.Errorf("stage webhook effects: %w", err)
			}
			if err := insertForwards(ctx, tx, staged.Forwards); err != nil {
				return err
			}
		}
		if len(a.Done) > 0 {
			if _, err := tx.Exec(ctx, `
				UPDATE deliveries SET done = true, done_at = now(), claimed_until = NULL
				WHERE id = ANY($1::bigint[])`, a.Done); err != nil {
				return fmt.Errorf("mark deliveries done: %w", err)
			}
		}
		if n := len(a.Retry); n > 0 {
			ids, attempts := make([]int64, n), make([]int32, n)
			next, giveUp := make([]time.Time, n), make([]bool, n)
			for i, r := range a.Retry {
				ids[i], attempts[i], next[i], giveUp[i] = r.ID, int32(r.Attempts), r.NextAt, r.GiveUp
			}
			if _, err := tx.Exec(ctx, `
				UPDATE deliveries d SET attempts = v.attempts, next_attempt_at = v.next_at,
					claimed_until = NULL, done = v.give_up,
					done_at = CASE WHEN v.give_up THEN now() END
				FROM unnest($1::bigint[], $2::int[], $3::timestamptz[], $4::bool[]) AS v(id, attempts, next_at, give_up)
				WHERE d.id = v.id`, ids, attempts, next, giveUp); err != nil {
				return fmt.Errorf("retry deliveries: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: apply webhooks: %w", err)
	}
	return nil
}

// applyStatuses records status events; only a new event moves its message
// (never backwards). It reports which events were new, in order: of equal
// events in one call only the first.
func applyStatuses(ctx context.Context, tx pgx.Tx, statuses []store.StatusApply) ([]bool, error) {
	type eventKey struct{ metaID, status string }
	seen := make(map[eventKey]bool, len(statuses))
	var uniq []store.StatusApply
	for _, st := range statuses {
		k := eventKey{st.Event.MetaID, st.Event.Status}
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, st)
		}
	}
	if len(uniq) == 0 {
		return nil, nil
	}
	// The inserts go in key order.
	slices.SortFunc(uniq, func(a, b store.StatusApply) int {
		return cmp.Or(cmp.Compare(a.Event.MetaID, b.Event.MetaID), cmp.Compare(a.Event.Status, b.Event.Status))
	})
	n := len(uniq)
	msgIDs, metaIDs, statusNames := make([]string, n), make([]string, n), make([]string, n)
	ts, codes := make([]time.Time, n), make([]int32, n)
	for i, st := range uniq {
		e := st.Event
		msgIDs[i], metaIDs[i], statusNames[i], ts[i], codes[i] = e.MessageID, e.MetaID, e.Status, e.Timestamp, int32(e.ErrorCode)
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO status_events (message_id, meta_id, status, ts, error_code)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[])
		ON CONFLICT (meta_id, status) DO NOTHING
		RETURNING meta_id, status`, msgIDs, metaIDs, statusNames, ts, codes)
	if err != nil {
		return nil, fmt.Errorf("insert status events: %w", err)
	}
	inserted := make(map[eventKey]bool, n)
	var k eventKey
	if _, err := pgx.ForEachRow(rows, []any{&k.metaID, &k.status}, func() error {
		inserted[k] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("insert status events: %w", err)
	}
	fresh := make([]bool, len(statuses))
	for i, st := range statuses {
		k := eventKey{st.Event.MetaID, st.Event.Status}
		if inserted[k] {
			fresh[i] = true
			delete(inserted, k) // the first of equal events only
		}
	}

	// For each message, the highest state its new events imply: one
	// UPDATE can change a row once only.
	best := make(map[string]store.StatusApply)
	for i, st := range statuses {
		if !fresh[i] {
			continue
		}
		if st.Event.MessageID == "" || st.State.Rank() < 0 {
			continue
		}
		if cur, ok := best[st.Event.MessageID]; !ok || st.State.Rank() > cur.State.Rank() {
			best[st.Event.MessageID] = st
		}
	}
	if len(best) > 0 {
		ids := make([]string, 0, len(best))
		for id := range best {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		states, at, errCodes := make([]string, len(ids)), make([]time.Time, len(ids)), make([]int32, len(ids))
		for i, id := range ids {
			st := best[id]
			states[i], at[i], errCodes[i] = string(st.State), st.Event.Timestamp, int32(st.Event.ErrorCode)
		}
		if _, err := tx.Exec(ctx, `
			UPDATE messages m SET state = v.state,
				error_code = CASE WHEN v.error_code <> 0 THEN v.error_code ELSE m.error_code END,
				claimed_until = NULL,
				updated_at = GREATEST(m.updated_at, v.at)
			FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) AS v(id, state, at, error_code)
			WHERE m.id = v.id AND state_rank(v.state) > state_rank(m.state)`,
			ids, states, at, errCodes); err != nil {
			return nil, fmt.Errorf("advance messages: %w", err)
		}
	}
	return fresh, nil
}

func insertInbound(ctx context.Context, tx pgx.Tx, in []store.InboundMessage) error {
	n := len(in)
	if n == 0 {
		return nil
	}
	ids, senders, from, types := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ts, received, bodies := make([]time.Time, n), make([]time.Time, n), make([][]byte, n)
	for i, m := range in {
		ids[i], senders[i], from[i], types[i] = m.ID, m.SenderID, m.From, m.Type
		ts[i], received[i], bodies[i] = m.Timestamp, m.ReceivedAt, m.Body
		if bodies[i] == nil {
			bodies[i] = []byte{}
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO inbound_messages (id, sender_id, wa_from, type, ts, body, received_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bytea[], $7::timestamptz[])
		ON CONFLICT (id) DO NOTHING`, ids, senders, from, types, ts, bodies, received); err != nil {
		return fmt.Errorf("insert inbound: %w", err)
	}
	return nil
}

func upsertWindows(ctx context.Context, tx pgx.Tx, ws []store.Window) error {
	if len(ws) == 0 {
		return nil
	}
	// ON CONFLICT DO UPDATE may touch a row once per statement: fold the
	// batch to the latest time per pair first.
	type pair struct{ sender, waID string }
	latest := make(map[pair]time.Time, len(ws))
	for _, w := range ws {
		k := pair{w.SenderID, w.WaID}
		if cur, ok := latest[k]; !ok || w.At.After(cur) {
			latest[k] = w.At
		}
	}
	keys := make([]pair, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b pair) int { return cmp.Or(cmp.Compare(a.sender, b.sender), cmp.Compare(a.waID, b.waID)) })
	senders, waIDs, at := make([]string, len(keys)), make([]string, len(keys)), make([]time.Time, len(keys))
	for i, k := range keys {
		senders[i], waIDs[i], at[i] = k.sender, k.waID, latest[k]
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO windows (sender_id, wa_id, at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
		ON CONFLICT (sender_id, wa_id) DO UPDATE SET at = excluded.at
		WHERE windows.at < excluded.at`, senders, waIDs, at); err != nil {
		return fmt.Errorf("upsert windows: %w", err)
	}
	return nil
}

// GetWindow returns when the user last wrote to the sender (zero when never).
func (s *Store) GetWindow(ctx context.Context, senderID, waID string) (time.Time, error) {
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT at FROM windows WHERE sender_id = $1 AND wa_id = $2`, senderID, waID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: get window: %w", err)
	}
	return utc(at), nil
}

// ListInbound returns a sender's inbound messages, newest first; limit <= 0
// means all.
func (s *Store) ListInbound(ctx context.Context, senderID string, limit int) ([]store.InboundMessage, error) {
	q := `SELECT id, sender_id, wa_from, type, ts, body, received_at FROM inbound_messages
		WHERE sender_id = $1 ORDER BY ts DESC, received_at DESC, id DESC`
	args := []any{senderID}
	if limit > 0 {
		q += " LIMIT $2"
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list inbound: %w", err)
	}
	out, err := pgx.CollectRows(rows, inboundRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: list inbound: %w", err)
	}
	return out, nil
}

// InboundFrom returns a page of what a tenant's senders received from one
// person, newest first.
func (s *Store) InboundFrom(ctx context.Context, tenantID string, waIDs []string, beforeTS time.Time, beforeID string, limit int) ([]store.InboundMessage, error) {
	if len(waIDs) == 0 || limit <= 0 {
		return nil, nil
	}
	q := `SELECT i.id, i.sender_id, i.wa_from, i.type, i.ts, i.body, i.received_at FROM inbound_messages i
		JOIN senders s ON s.phone_number_id = i.sender_id AND s.tenant_id = $1
		WHERE i.wa_from = ANY($2)`
	args := []any{tenantID, waIDs}
	if !beforeTS.IsZero() {
		q += ` AND (i.ts, i.id) < ($3, $4)`
		args = append(args, beforeTS.UTC(), beforeID)
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY i.ts DESC, i.id DESC LIMIT $%d`, len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: inbound from: %w", err)
	}
	out, err := pgx.CollectRows(rows, inboundRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: inbound from: %w", err)
	}
	return out, nil
}

// StatusEvents returns the status events of one gateway message in the
// order they happened (then were recorded).
func (s *Store) StatusEvents(ctx context.Context, messageID string) ([]store.StatusEvent, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT message_id, meta_id, status, ts, error_code FROM status_events
		WHERE message_id = $1 ORDER BY ts, seq`, messageID)
	if err != nil {
		return nil, fmt.Errorf("postgres: status events: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.StatusEvent, error) {
		var e store.StatusEvent
		err := r.Scan(&e.MessageID, &e.MetaID, &e.Status, &e.Timestamp, &e.ErrorCode)
		e.Timestamp = utc(e.Timestamp)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: status events: %w", err)
	}
	return out, nil
}

// inboundRow reads a row of (id, sender_id, wa_from, type, ts, body,
// received_at).
func inboundRow(r pgx.CollectableRow) (store.InboundMessage, error) {
	var m store.InboundMessage
	err := r.Scan(&m.ID, &m.SenderID, &m.From, &m.Type, &m.Timestamp, &m.Body, &m.ReceivedAt)
	m.Timestamp, m.ReceivedAt = utc(m.Timestamp), utc(m.ReceivedAt)
	return m, err
}
