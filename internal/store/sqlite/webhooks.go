package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// AppendDeliveries persists raw deliveries; a repeated DedupeKey is marked
// Duplicate and not stored again. A group commit's deliveries go in with one
// multi-row statement per appendChunk rows: the batch is usually small, and
// a per-row prepared statement would cost more to prepare than to run.
func (s *Store) AppendDeliveries(ctx context.Context, ds []*store.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for part := range slices.Chunk(ds, appendChunk) {
			if err := appendDeliveries(ctx, tx, part); err != nil {
				return err
			}
		}
		return nil
	})
}

// appendChunk bounds rows per INSERT (5 parameters each).
const appendChunk = 200

func appendDeliveries(ctx context.Context, tx *sql.Tx, ds []*store.Delivery) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO deliveries (dedupe_key, body, received_at, attempts, next_at) VALUES `)
	args := make([]any, 0, 5*len(ds))
	for i, d := range ds {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?,?,?,?,?)")
		args = append(args, d.DedupeKey, d.Body, ms(d.ReceivedAt), d.Attempts, ms(d.ReceivedAt))
	}
	q.WriteString(` ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key`)
	rows, err := tx.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return fmt.Errorf("sqlite: append deliveries: %w", err)
	}
	defer rows.Close()
	// Only inserted rows come back. Of two equal deliveries in one batch the
	// first (in order) is the one stored, as with one insert per row.
	ids := make(map[string]int64, len(ds))
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return fmt.Errorf("sqlite: append deliveries: %w", err)
		}
		ids[key] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: append deliveries: %w", err)
	}
	for _, d := range ds {
		id, ok := ids[d.DedupeKey]
		d.Duplicate = !ok
		if ok {
			d.ID = id
			delete(ids, d.DedupeKey)
		}
	}
	return nil
}

// ClaimDeliveries returns up to limit undone deliveries due at now, oldest
// first, pushing their due time to now+lease so no one else takes them
// meanwhile.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.w.QueryContext(ctx, `UPDATE deliveries SET next_at = ?1
		WHERE id IN (SELECT id FROM deliveries WHERE done = 0 AND next_at <= ?2 ORDER BY next_at, id LIMIT ?3)
		RETURNING id, dedupe_key, body, received_at, attempts`, ms(now.Add(lease)), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
	}
	defer rows.Close()
	var out []store.Delivery
	for rows.Next() {
		var d store.Delivery
		var received int64
		if err := rows.Scan(&d.ID, &d.DedupeKey, &d.Body, &received, &d.Attempts); err != nil {
			return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
		}
		d.ReceivedAt = tm(received)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// stateRank is MessageState.Rank in SQL, so the never-backwards rule is
// checked in the same statement that moves the state.
const stateRank = `CASE state WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2
	WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 WHEN 'failed' THEN 5 ELSE -1 END`

// ApplyWebhooks applies processed deliveries' effects in one transaction.
func (s *Store) ApplyWebhooks(ctx context.Context, a store.WebhookApply) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		fresh, err := applyStatuses(ctx, tx, a.Statuses)
		if err != nil {
			return err
		}
		if len(a.Inbound) > 0 {
			st, err := tx.PrepareContext(ctx, `INSERT INTO inbound (id, sender_id, from_wa_id, type, ts, body, received_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
			if err != nil {
				return fmt.Errorf("sqlite: apply inbound: %w", err)
			}
			defer st.Close()
			for _, m := range a.Inbound {
				if _, err := st.ExecContext(ctx, m.ID, m.SenderID, m.From, m.Type, ms(m.Timestamp), m.Body, ms(m.ReceivedAt)); err != nil {
					return fmt.Errorf("sqlite: apply inbound %s: %w", m.ID, err)
				}
			}
		}
		if len(a.Windows) > 0 {
			st, err := tx.PrepareContext(ctx, `INSERT INTO windows (sender_id, wa_id, at) VALUES (?, ?, ?)
				ON CONFLICT (sender_id, wa_id) DO UPDATE SET at = MAX(at, excluded.at)`)
			if err != nil {
				return fmt.Errorf("sqlite: apply windows: %w", err)
			}
			defer st.Close()
			for _, w := range a.Windows {
				if _, err := st.ExecContext(ctx, w.SenderID, w.WaID, ms(w.At)); err != nil {
					return fmt.Errorf("sqlite: apply window: %w", err)
				}
			}
		}
		if err := insertForwards(ctx, tx, a.Forwards); err != nil {
			return err
		}
		if a.Stage != nil {
			staged, err := a.Stage(ctx, fresh)
			if err != nil {
				return fmt.Errorf("sqlite: stage webhook effects: %w", err)
			}
			if err := insertForwards(ctx, tx, staged.Forwards); err != nil {
				return err
			}
		}
		// Done deliveries are settled with one statement per chunk of ids.
		for part := range slices.Chunk(a.Done, chunk) {
			args := make([]any, len(part))
			for i, id := range part {
				args[i] = id
			}
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET done = 1 WHERE id IN (`+placeholders(len(part))+`)`, args...); err != nil {
				return fmt.Errorf("sqlite: settle %d deliveries: %w", len(part), err)
			}
		}
		if len(a.Retry) > 0 {
			st, err := tx.PrepareContext(ctx, `UPDATE deliveries SET done = ?, attempts = ?, next_at = ? WHERE id = ?`)
			if err != nil {
				return fmt.Errorf("sqlite: settle deliveries: %w", err)
			}
			defer st.Close()
			for _, r := range a.Retry {
				done := 0
				if r.GiveUp {
					done = 1
				}
				if _, err := st.ExecContext(ctx, done, r.Attempts, ms(r.NextAt), r.ID); err != nil {
					return fmt.Errorf("sqlite: settle delivery %d: %w", r.ID, err)
				}
			}
		}
		return nil
	})
}

// applyStatuses records status events; only a new event moves its message
// (never backwards). It reports which events were new, in order.
func applyStatuses(ctx context.Context, tx *sql.Tx, sts []store.StatusApply) ([]bool, error) {
	if len(sts) == 0 {
		return nil, nil
	}
	ev, err := tx.PrepareContext(ctx, `INSERT INTO status_events (message_id, meta_id, status, ts, error_code)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (meta_id, status) DO NOTHING`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: apply statuses: %w", err)
	}
	defer ev.Close()
	mv, err := tx.PrepareContext(ctx, `UPDATE messages SET state = ?1, updated_at = MAX(updated_at, ?2),
			error_code = CASE WHEN ?1 = 'failed' AND ?3 <> 0 THEN ?3 ELSE error_code END
		WHERE id = ?4 AND `+stateRank+` < ?5`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: apply statuses: %w", err)
	}
	defer mv.Close()
	fresh := make([]bool, len(sts))
	for i, sa := range sts {
		e := sa.Event
		res, err := ev.ExecContext(ctx, e.MessageID, e.MetaID, e.Status, ms(e.Timestamp), e.ErrorCode)
		if err != nil {
			return nil, fmt.Errorf("sqlite: apply status: %w", err)
		}
		n, err := rowsAffected(res)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			continue // seen before: its effects are already stored
		}
		fresh[i] = true
		if sa.State != "" && e.MessageID != "" {
			if _, err := mv.ExecContext(ctx, string(sa.State), ms(e.Timestamp), e.ErrorCode, e.MessageID, sa.State.Rank()); err != nil {
				return nil, fmt.Errorf("sqlite: apply status to %s: %w", e.MessageID, err)
			}
		}
	}
	return fresh, nil
}

// GetWindow returns when the user last wrote to the sender.
func (s *Store) GetWindow(ctx context.Context, senderID, waID string) (time.Time, error) {
	st, err := s.read(ctx, `SELECT at FROM windows WHERE sender_id = ? AND wa_id = ?`)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: get window: %w", err)
	}
	var at int64
	err = st.QueryRowContext(ctx, senderID, waID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: get window: %w", err)
	}
	return tm(at), nil
}

// ListInbound returns a sender's inbound messages, newest first; limit <= 0
// returns all.
func (s *Store) ListInbound(ctx context.Context, senderID string, limit int) ([]store.InboundMessage, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, sender_id, from_wa_id, type, ts, body, received_at FROM inbound
		WHERE sender_id = ? ORDER BY ts DESC, rowid DESC LIMIT ?`, senderID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list inbound: %w", err)
	}
	return scanInbound(rows, "list inbound")
}

// InboundFrom returns a page of what a tenant's senders received from one
// person, newest first.
func (s *Store) InboundFrom(ctx context.Context, tenantID string, waIDs []string, beforeTS time.Time, beforeID string, limit int) ([]store.InboundMessage, error) {
	if len(waIDs) == 0 || limit <= 0 {
		return nil, nil
	}
	args := []any{tenantID}
	for _, w := range waIDs {
		args = append(args, w)
	}
	q := `SELECT i.id, i.sender_id, i.from_wa_id, i.type, i.ts, i.body, i.received_at FROM inbound i
		JOIN senders s ON s.phone_number_id = i.sender_id AND s.tenant_id = ?
		WHERE i.from_wa_id IN (` + placeholders(len(waIDs)) + `)`
	if !beforeTS.IsZero() {
		q += ` AND (i.ts < ? OR (i.ts = ? AND i.id < ?))`
		args = append(args, ms(beforeTS), ms(beforeTS), beforeID)
	}
	q += ` ORDER BY i.ts DESC, i.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: inbound from: %w", err)
	}
	return scanInbound(rows, "inbound from")
}

// StatusEvents returns one message's status events in timestamp order.
func (s *Store) StatusEvents(ctx context.Context, messageID string) ([]store.StatusEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT message_id, meta_id, status, ts, error_code FROM status_events
		WHERE message_id = ? ORDER BY ts, status`, messageID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: status events: %w", err)
	}
	defer rows.Close()
	var out []store.StatusEvent
	for rows.Next() {
		var e store.StatusEvent
		var ts int64
		if err := rows.Scan(&e.MessageID, &e.MetaID, &e.Status, &ts, &e.ErrorCode); err != nil {
			return nil, fmt.Errorf("sqlite: status events: %w", err)
		}
		e.Timestamp = tm(ts)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: status events: %w", err)
	}
	return out, nil
}

// scanInbound reads rows of (id, sender_id, from_wa_id, type, ts, body,
// received_at).
func scanInbound(rows *sql.Rows, what string) ([]store.InboundMessage, error) {
	defer rows.Close()
	var out []store.InboundMessage
	for rows.Next() {
		var m store.InboundMessage
		var ts, received int64
		if err := rows.Scan(&m.ID, &m.SenderID, &m.From, &m.Type, &ts, &m.Body, &received); err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		m.Timestamp, m.ReceivedAt = tm(ts), tm(received)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}
