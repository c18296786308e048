package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// CommitIntake records a batch of send requests in one transaction, with
// one prepared statement per table reused across the batch.
func (s *Store) CommitIntake(ctx context.Context, items []*store.Intake) error {
	if len(items) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		idem, err := tx.PrepareContext(ctx, `INSERT INTO idempotency (tenant_id, key, status_code, response, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, key) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("sqlite: commit intake: %w", err)
		}
		defer idem.Close()
		cad, err := newCadenceCheck(ctx, tx, items)
		if err != nil {
			return fmt.Errorf("sqlite: commit intake: cadence: %w", err)
		}
		defer cad.close()
		// Seq and decision ids are assigned here rather than read back per
		// row, so rows can go in multi-row statements. The transaction
		// holds SQLite's write lock from BEGIN, so MAX+1 cannot race.
		var seq, decID int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT MAX(seq) FROM messages), 0),
				COALESCE((SELECT MAX(id) FROM decisions), 0)`).Scan(&seq, &decID); err != nil {
			return fmt.Errorf("sqlite: commit intake: next ids: %w", err)
		}
		msgs := newMultiRow(tx, `INSERT INTO messages (seq, id, tenant_id, sender_id, input, wa_id, type,
				category, body, state, attempts, next_attempt_at, claimed_until, meta_id, error_code, error_detail,
				created_at, updated_at) VALUES `, ``, 18)
		defer msgs.close()
		decs := newMultiRow(tx, `INSERT INTO decisions (id, tenant_id, sender_id, message_id, wa_id, outcome,
				rule, code, graph_code, reason, until, created_at) VALUES `, ``, 12)
		defer decs.close()

		for _, it := range items {
			it.Duplicate = false
			// The idempotency row goes first: its insert is the test for a
			// replay, including a replay earlier in this same batch.
			if k := it.Idempotency; k != nil {
				res, err := idem.ExecContext(ctx, k.TenantID, k.Key, k.StatusCode, k.Response, ms(k.CreatedAt))
				if err != nil {
					return fmt.Errorf("sqlite: commit intake: idempotency: %w", err)
				}
				n, err := rowsAffected(res)
				if err != nil {
					return err
				}
				if n == 0 {
					it.Duplicate = true
					continue
				}
			}
			if c := it.Cadence; c != nil && it.Message != nil {
				if err := cad.admit(ctx, c); err != nil {
					return fmt.Errorf("sqlite: commit intake: %w", err)
				}
				if c.Refused != "" {
					// Nothing of it stays: the caller records the refusal,
					// and a retry with the same key is decided afresh.
					if k := it.Idempotency; k != nil {
						if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE tenant_id = ? AND key = ?`, k.TenantID, k.Key); err != nil {
							return fmt.Errorf("sqlite: commit intake: idempotency: %w", err)
						}
					}
					continue
				}
			}
			if m := it.Message; m != nil {
				if m.State == "" {
					m.State = store.StateQueued
				}
				seq++
				m.Seq = seq
				var metaID any
				if m.MetaID != "" {
					metaID = m.MetaID
				}
				if err := msgs.add(ctx, m.Seq, m.ID, m.TenantID, m.SenderID, m.Input, m.WaID, m.Type, m.Category,
					m.Body, string(m.State), m.Attempts, ms(m.NextAttemptAt), ms(m.ClaimedUntil), metaID,
					m.ErrorCode, m.ErrorDetail, ms(m.CreatedAt), ms(m.UpdatedAt)); err != nil {
					return fmt.Errorf("sqlite: commit intake: messages: %w", err)
				}
			}
			d := &it.Decision
			decID++
			d.ID = decID
			if err := decs.add(ctx, d.ID, d.TenantID, d.SenderID, d.MessageID, d.WaID, string(d.Outcome),
				d.Rule, d.Code, d.GraphCode, d.Reason, ms(d.Until), ms(d.CreatedAt)); err != nil {
				return fmt.Errorf("sqlite: commit intake: decisions: %w", err)
			}
		}
		if err := msgs.flush(ctx); err != nil {
			return fmt.Errorf("sqlite: commit intake: messages: %w", err)
		}
		if err := decs.flush(ctx); err != nil {
			return fmt.Errorf("sqlite: commit intake: decisions: %w", err)
		}
		return nil
	})
}

// GetIdempotency returns the stored answer for (tenant, key).
func (s *Store) GetIdempotency(ctx context.Context, tenantID, key string) (store.Idempotency, error) {
	k := store.Idempotency{TenantID: tenantID, Key: key}
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT status_code, response, created_at FROM idempotency
		WHERE tenant_id = ? AND key = ?`, tenantID, key).Scan(&k.StatusCode, &k.Response, &created)
	if err != nil {
		return k, notFound("get idempotency", err)
	}
	k.CreatedAt = tm(created)
	return k, nil
}

const messageCols = `seq, id, tenant_id, sender_id, input, wa_id, type, category, body, state, attempts,
	next_attempt_at, claimed_until, COALESCE(meta_id, ''), error_code, error_detail, created_at, updated_at, message_status, ready_at`

func scanMessage(row interface{ Scan(...any) error }) (store.Message, error) {
	var m store.Message
	var state string
	var next, claimed, created, updated, ready int64
	err := row.Scan(&m.Seq, &m.ID, &m.TenantID, &m.SenderID, &m.Input, &m.WaID, &m.Type, &m.Category, &m.Body,
		&state, &m.Attempts, &next, &claimed, &m.MetaID, &m.ErrorCode, &m.ErrorDetail, &created, &updated, &m.MessageStatus, &ready)
	m.State = store.MessageState(state)
	m.NextAttemptAt, m.ClaimedUntil, m.CreatedAt, m.UpdatedAt = tm(next), tm(claimed), tm(created), tm(updated)
	if ready > 0 {
		m.ReadyAt = tm(ready)
	}
	return m, err
}

// ClaimMessages marks up to limit due messages of one sender as sending and
// returns them in Seq order. It is a single UPDATE … RETURNING: atomic on
// its own, so two claimers can never take the same row.
func (s *Store) ClaimMessages(ctx context.Context, senderID string, now time.Time, limit int, lease time.Duration) ([]store.Message, error) {
	if limit <= 0 {
		return nil, nil
	}
	// Two index range scans, queued-and-due and sending-with-lapsed-claim,
	// each already in seq order and cut at limit, merged and cut again.
	rows, err := s.w.QueryContext(ctx, `UPDATE messages SET state = 'sending', claimed_until = ?1, updated_at = ?2
		WHERE seq IN (
			SELECT seq FROM (SELECT seq FROM messages
				WHERE sender_id = ?3 AND state = 'queued' AND next_attempt_at <= ?2 ORDER BY seq LIMIT ?4)
			UNION ALL
			SELECT seq FROM (SELECT seq FROM messages
				WHERE sender_id = ?3 AND state = 'sending' AND claimed_until <= ?2 ORDER BY seq LIMIT ?4)
			ORDER BY seq LIMIT ?4)
		RETURNING `+messageCols,
		ms(now.Add(lease)), ms(now), senderID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim messages: %w", err)
	}
	defer rows.Close()
	out := make([]store.Message, 0, limit)
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: claim messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim messages: %w", err)
	}
	// RETURNING order is unspecified.
	slices.SortFunc(out, func(a, b store.Message) int { return int(a.Seq - b.Seq) })
	return out, nil
}

// RequeueInFlight returns every sending message of a sender to queued.
func (s *Store) RequeueInFlight(ctx context.Context, senderID string) (int, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE messages SET state = 'queued', claimed_until = 0
		WHERE sender_id = ? AND state = 'sending'`, senderID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: requeue in flight: %w", err)
	}
	n, err := rowsAffected(res)
	return int(n), err
}

// RecordOutcomes applies dispatch outcomes and enqueues forwards in one
// transaction. An outcome only applies to a message still queued or
// sending: a message a webhook has already moved on is left alone.
func (s *Store) RecordOutcomes(ctx context.Context, outcomes []store.Outcome, forwards []store.Forward) error {
	if len(outcomes) == 0 && len(forwards) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		// One UPDATE … FROM (VALUES …) per rowsPerStatement outcomes; a
		// message listed twice keeps only its last outcome, as sequential
		// updates would.
		last := make(map[string]int, len(outcomes))
		for i, o := range outcomes {
			last[o.MessageID] = i
		}
		// An outcome applies to a message still queued or sending; read
		// that before the update for the forwards that depend on it.
		pending, err := unsettled(ctx, tx, forwards)
		if err != nil {
			return fmt.Errorf("sqlite: record outcomes: %w", err)
		}
		up := newMultiRow(tx, `UPDATE messages SET state = v.column1,
				meta_id = COALESCE(NULLIF(v.column2, ''), meta_id), wa_id = COALESCE(NULLIF(v.column3, ''), wa_id),
				attempts = v.column4,
				next_attempt_at = CASE WHEN v.column1 = 'queued' THEN v.column5 ELSE next_attempt_at END,
				claimed_until = 0, error_code = v.column6, error_detail = v.column7, updated_at = v.column8,
				message_status = CASE WHEN v.column1 = 'sent' THEN v.column10 ELSE message_status END,
				ready_at = CASE WHEN v.column11 > 0 THEN v.column11 ELSE ready_at END
			FROM (VALUES `, `) AS v
			WHERE messages.id = v.column9 AND messages.state IN ('queued', 'sending')`, 11)
		defer up.close()
		for i, o := range outcomes {
			if last[o.MessageID] != i {
				continue
			}
			if err := up.add(ctx, string(o.State), o.MetaID, o.WaID, o.Attempts, ms(o.NextAttemptAt),
				o.ErrorCode, o.ErrorDetail, ms(o.At), o.MessageID, o.MessageStatus, readyMS(o.ReadyAt)); err != nil {
				return fmt.Errorf("sqlite: record outcomes: %w", err)
			}
		}
		if err := up.flush(ctx); err != nil {
			return fmt.Errorf("sqlite: record outcomes: %w", err)
		}
		return insertForwards(ctx, tx, store.ForwardsFor(forwards, func(id string) bool {
			_, listed := last[id]
			return listed && pending[id]
		}))
	})
}

// unsettled reports which of the messages the forwards' OutcomeOf name are
// still queued or sending.
func unsettled(ctx context.Context, tx *sql.Tx, fwds []store.Forward) (map[string]bool, error) {
	out := map[string]bool{}
	for _, f := range fwds {
		if f.OutcomeOf == "" {
			continue
		}
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM messages WHERE id = ?`, f.OutcomeOf).Scan(&state)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		out[f.OutcomeOf] = state == string(store.StateQueued) || state == string(store.StateSending)
	}
	return out, nil
}

// GetMessage returns a message by the gateway's id.
func (s *Store) GetMessage(ctx context.Context, id string) (store.Message, error) {
	m, err := scanMessage(s.r.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE id = ?`, id))
	if err != nil {
		return m, notFound("get message", err)
	}
	return m, nil
}

// LastFailedWith returns when the tenant's latest message to any of waIDs
// failed with code after since (zero when none). The recipient index
// bounds the read to that person's messages.
func (s *Store) LastFailedWith(ctx context.Context, tenantID string, waIDs []string, code int, since time.Time) (time.Time, error) {
	st, err := s.read(ctx, `SELECT MAX(updated_at) FROM messages
		WHERE tenant_id = ? AND wa_id = ? AND state = 'failed' AND error_code = ? AND updated_at > ?`)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: last failure: %w", err)
	}
	var latest int64
	for _, w := range waIDs {
		var at sql.NullInt64
		err := st.QueryRowContext(ctx, tenantID, w, code, ms(since)).Scan(&at)
		if err != nil {
			return time.Time{}, fmt.Errorf("sqlite: last failure: %w", err)
		}
		if at.Valid && at.Int64 > latest {
			latest = at.Int64
		}
	}
	if latest == 0 {
		return time.Time{}, nil
	}
	return tm(latest), nil
}

// MessagesByRecipient returns a page of a tenant's messages to one
// recipient, newest first.
func (s *Store) MessagesByRecipient(ctx context.Context, tenantID, waID string, beforeSeq int64, limit int) ([]store.Message, error) {
	if beforeSeq <= 0 {
		beforeSeq = math.MaxInt64
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+messageCols+` FROM messages
		WHERE tenant_id = ? AND wa_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, tenantID, waID, beforeSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: messages by recipient: %w", err)
	}
	defer rows.Close()
	var out []store.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: messages by recipient: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: messages by recipient: %w", err)
	}
	return out, nil
}

// chunk bounds the number of bound variables per IN list.
const chunk = 500

// MessagesByMetaID maps Meta's ids to the gateway's messages.
func (s *Store) MessagesByMetaID(ctx context.Context, metaIDs []string) (map[string]store.MessageRef, error) {
	out := make(map[string]store.MessageRef, len(metaIDs))
	for part := range slices.Chunk(metaIDs, chunk) {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.r.QueryContext(ctx, `SELECT meta_id, id, tenant_id, sender_id, state FROM messages
			WHERE meta_id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: messages by meta id: %w", err)
		}
		for rows.Next() {
			var meta, state string
			var ref store.MessageRef
			if err := rows.Scan(&meta, &ref.ID, &ref.TenantID, &ref.SenderID, &state); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: messages by meta id: %w", err)
			}
			ref.State = store.MessageState(state)
			out[meta] = ref
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlite: messages by meta id: %w", err)
		}
	}
	return out, nil
}

// distinctSenders enumerates the senders present in messages with a loose
// index scan: one index seek per sender instead of a scan of every message
// ever sent.
const distinctSenders = `WITH RECURSIVE snd(id) AS (
	SELECT MIN(sender_id) FROM messages
	UNION ALL
	SELECT (SELECT MIN(sender_id) FROM messages WHERE sender_id > snd.id) FROM snd WHERE snd.id IS NOT NULL)
`

// QueueDepth counts queued and sending messages per sender; senders with
// none are absent.
func (s *Store) QueueDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, distinctSenders+`SELECT id, n FROM (SELECT id,
			(SELECT COUNT(*) FROM messages WHERE sender_id = snd.id AND state = 'queued') +
			(SELECT COUNT(*) FROM messages WHERE sender_id = snd.id AND state = 'sending') AS n
		FROM snd WHERE id IS NOT NULL) WHERE n > 0`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: queue depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("sqlite: queue depth: %w", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: queue depth: %w", err)
	}
	return out, nil
}

// OldestUnsent returns when each sender's oldest queued or sending message
// was accepted.
func (s *Store) OldestUnsent(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, distinctSenders+`SELECT id, at FROM (SELECT id,
			(SELECT MIN(created_at) FROM messages WHERE sender_id = snd.id AND state IN ('queued', 'sending')) AS at
		FROM snd WHERE id IS NOT NULL) WHERE at IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: oldest unsent: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("sqlite: oldest unsent: %w", err)
		}
		out[id] = tm(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: oldest unsent: %w", err)
	}
	return out, nil
}

// SendersWithDueMessages lists, in order, the senders having a queued
// message due at now or a sending message whose claim has lapsed.
func (s *Store) SendersWithDueMessages(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, distinctSenders+`SELECT id FROM snd WHERE id IS NOT NULL AND (
			EXISTS (SELECT 1 FROM messages WHERE sender_id = snd.id AND state = 'queued' AND next_attempt_at <= ?1)
			OR EXISTS (SELECT 1 FROM messages WHERE sender_id = snd.id AND state = 'sending' AND claimed_until <= ?1))
		ORDER BY id`, ms(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: senders with due messages: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: senders with due messages: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: senders with due messages: %w", err)
	}
	return out, nil
}

// ListDecisions returns stored decisions matching f, newest first. A zero
// Limit returns all.
func (s *Store) ListDecisions(ctx context.Context, f store.DecisionFilter) ([]store.Decision, error) {
	var where []string
	var args []any
	if f.TenantID != "" {
		where, args = append(where, "tenant_id = ?"), append(args, f.TenantID)
	}
	if f.SenderID != "" {
		where, args = append(where, "sender_id = ?"), append(args, f.SenderID)
	}
	if f.Outcome != "" {
		where, args = append(where, "outcome = ?"), append(args, string(f.Outcome))
	}
	if f.MessageID != "" {
		where, args = append(where, "message_id = ?"), append(args, f.MessageID)
	}
	if f.WaID != "" {
		where, args = append(where, "wa_id = ?"), append(args, f.WaID)
	}
	if f.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	q := `SELECT id, tenant_id, sender_id, message_id, wa_id, outcome, rule, code, graph_code, reason, until, created_at
		FROM decisions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list decisions: %w", err)
	}
	defer rows.Close()
	var out []store.Decision
	for rows.Next() {
		var d store.Decision
		var outcome string
		var until, created int64
		if err := rows.Scan(&d.ID, &d.TenantID, &d.SenderID, &d.MessageID, &d.WaID, &outcome, &d.Rule, &d.Code,
			&d.GraphCode, &d.Reason, &until, &created); err != nil {
			return nil, fmt.Errorf("sqlite: list decisions: %w", err)
		}
		d.Outcome = store.DecisionOutcome(outcome)
		d.Until, d.CreatedAt = tm(until), tm(created)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list decisions: %w", err)
	}
	return out, nil
}

// readyMS is a deferral's end as stored: 0 for none.
func readyMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}
