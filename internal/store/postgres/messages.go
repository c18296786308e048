package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wabaguard/wabaguard/internal/store"
)

// CommitIntake records a batch of send requests in one transaction. The
// idempotency rows go first: an item whose key was already stored, by an
// earlier batch or earlier in this one, loses the insert and nothing else of
// it is written.
func (s *Store) CommitIntake(ctx context.Context, items []*store.Intake) error {
	if len(items) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		type idemKey struct{ tenant, key string }
		seen := make(map[idemKey]bool, len(items))
		var keyed []*store.Intake
		for _, it := range items {
			it.Duplicate = false
			if it.Idempotency == nil {
				continue
			}
			k := idemKey{it.Idempotency.TenantID, it.Idempotency.Key}
			if seen[k] {
				it.Duplicate = true
				continue
			}
			seen[k] = true
			keyed = append(keyed, it)
		}
		if len(keyed) > 0 {
			// Insert keys in one global order so that two batches racing on
			// the same keys wait for each other instead of deadlocking.
			slices.SortFunc(keyed, func(a, b *store.Intake) int {
				return cmp.Or(cmp.Compare(a.Idempotency.TenantID, b.Idempotency.TenantID),
					cmp.Compare(a.Idempotency.Key, b.Idempotency.Key))
			})
			n := len(keyed)
			tenants, keys := make([]string, n), make([]string, n)
			codes, responses, created := make([]int32, n), make([][]byte, n), make([]time.Time, n)
			for i, it := range keyed {
				id := it.Idempotency
				tenants[i], keys[i], codes[i], created[i] = id.TenantID, id.Key, int32(id.StatusCode), id.CreatedAt
				responses[i] = id.Response
				if responses[i] == nil {
					responses[i] = []byte{}
				}
			}
			rows, err := tx.Query(ctx, `
				INSERT INTO idempotency (tenant_id, key, status_code, response, created_at)
				SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bytea[], $5::timestamptz[])
				ON CONFLICT DO NOTHING
				RETURNING tenant_id, key`, tenants, keys, codes, responses, created)
			if err != nil {
				return fmt.Errorf("insert idempotency: %w", err)
			}
			inserted := make(map[idemKey]bool, n)
			var k idemKey
			_, err = pgx.ForEachRow(rows, []any{&k.tenant, &k.key}, func() error {
				inserted[k] = true
				return nil
			})
			if err != nil {
				return fmt.Errorf("insert idempotency: %w", err)
			}
			for _, it := range keyed {
				if !inserted[idemKey{it.Idempotency.TenantID, it.Idempotency.Key}] {
					it.Duplicate = true
				}
			}
		}

		var live []*store.Intake
		for _, it := range items {
			if !it.Duplicate {
				live = append(live, it)
			}
		}
		live, err := admitCadences(ctx, tx, live)
		if err != nil {
			return err
		}
		if err := insertMessages(ctx, tx, live); err != nil {
			return err
		}
		return insertDecisions(ctx, tx, live)
	})
	if err != nil {
		return fmt.Errorf("postgres: commit intake: %w", err)
	}
	return nil
}

func insertMessages(ctx context.Context, tx pgx.Tx, items []*store.Intake) error {
	var msgs []*store.Message
	for _, it := range items {
		if it.Message != nil {
			msgs = append(msgs, it.Message)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	n := len(msgs)
	var (
		ids, tenants, senders, inputs, waIDs  = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		types, cats, states, metaIDs, details = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		bodies                                = make([][]byte, n)
		attempts, codes                       = make([]int32, n), make([]int32, n)
		nextAt, created, updated              = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
		claimed                               = make([]pgtype.Timestamptz, n)
	)
	for i, m := range msgs {
		ids[i], tenants[i], senders[i], inputs[i], waIDs[i] = m.ID, m.TenantID, m.SenderID, m.Input, m.WaID
		types[i], cats[i], states[i], metaIDs[i], details[i] = m.Type, m.Category, string(m.State), m.MetaID, m.ErrorDetail
		bodies[i] = m.Body
		if bodies[i] == nil {
			bodies[i] = []byte{}
		}
		attempts[i], codes[i] = int32(m.Attempts), int32(m.ErrorCode)
		nextAt[i], created[i], updated[i] = m.NextAttemptAt, m.CreatedAt, m.UpdatedAt
		claimed[i] = nullTime(m.ClaimedUntil)
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO messages (id, tenant_id, sender_id, input, wa_id, type, category, body, state,
			attempts, next_attempt_at, claimed_until, meta_id, error_code, error_detail, created_at, updated_at)
		SELECT id, tenant_id, sender_id, input, wa_id, type, category, body, state,
			attempts, next_attempt_at, claimed_until, NULLIF(meta_id, ''), error_code, error_detail, created_at, updated_at
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::bytea[], $9::text[], $10::int[], $11::timestamptz[], $12::timestamptz[], $13::text[],
			$14::int[], $15::text[], $16::timestamptz[], $17::timestamptz[]) WITH ORDINALITY
			AS v(id, tenant_id, sender_id, input, wa_id, type, category, body, state,
			attempts, next_attempt_at, claimed_until, meta_id, error_code, error_detail, created_at, updated_at, ord)
		ORDER BY ord
		RETURNING id, seq`,
		ids, tenants, senders, inputs, waIDs, types, cats, bodies, states,
		attempts, nextAt, claimed, metaIDs, codes, details, created, updated)
	if err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}
	seqs := make(map[string]int64, n)
	var id string
	var seq int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &seq}, func() error {
		seqs[id] = seq
		return nil
	}); err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}
	for _, m := range msgs {
		m.Seq = seqs[m.ID]
	}
	return nil
}

func insertDecisions(ctx context.Context, tx pgx.Tx, items []*store.Intake) error {
	n := len(items)
	if n == 0 {
		return nil
	}
	var (
		tenants, senders, msgIDs, waIDs = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		outcomes, rules, codes, reasons = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		graph                           = make([]int32, n)
		until                           = make([]pgtype.Timestamptz, n)
		created                         = make([]time.Time, n)
	)
	for i, it := range items {
		d := it.Decision
		tenants[i], senders[i], msgIDs[i], waIDs[i] = d.TenantID, d.SenderID, d.MessageID, d.WaID
		outcomes[i], rules[i], codes[i], reasons[i] = string(d.Outcome), d.Rule, d.Code, d.Reason
		graph[i], until[i], created[i] = int32(d.GraphCode), nullTime(d.Until), d.CreatedAt
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO decisions (tenant_id, sender_id, message_id, wa_id, outcome, rule, code,
			graph_code, reason, until, created_at)
		SELECT tenant_id, sender_id, message_id, wa_id, outcome, rule, code, graph_code, reason, until, created_at
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::int[], $9::text[], $10::timestamptz[], $11::timestamptz[]) WITH ORDINALITY
			AS v(tenant_id, sender_id, message_id, wa_id, outcome, rule, code, graph_code, reason, until, created_at, ord)
		ORDER BY ord
		RETURNING id`,
		tenants, senders, msgIDs, waIDs, outcomes, rules, codes, graph, reasons, until, created)
	if err != nil {
		return fmt.Errorf("insert decisions: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("insert decisions: %w", err)
	}
	if len(ids) != n {
		return fmt.Errorf("insert decisions: %d ids for %d rows", len(ids), n)
	}
	// Identity values are drawn in insertion order, which follows ord: the
	// sorted ids map onto the items in order whatever RETURNING's order.
	slices.Sort(ids)
	for i, it := range items {
		it.Decision.ID = ids[i]
	}
	return nil
}

// GetIdempotency returns the stored answer for (tenant, key).
func (s *Store) GetIdempotency(ctx context.Context, tenantID, key string) (store.Idempotency, error) {
	var r store.Idempotency
	var code int32
	err := s.pool.QueryRow(ctx, `
		SELECT tenant_id, key, status_code, response, created_at FROM idempotency
		WHERE tenant_id = $1 AND key = $2`, tenantID, key).
		Scan(&r.TenantID, &r.Key, &code, &r.Response, &r.CreatedAt)
	if err != nil {
		return store.Idempotency{}, notFound(err, "get idempotency")
	}
	r.StatusCode = int(code)
	r.CreatedAt = utc(r.CreatedAt)
	return r, nil
}

const messageCols = `m.seq, m.id, m.tenant_id, m.sender_id, m.input, m.wa_id, m.type, m.category, m.body,
	m.state, m.attempts, m.next_attempt_at, m.claimed_until, COALESCE(m.meta_id, ''), m.error_code,
	m.error_detail, m.created_at, m.updated_at, m.message_status, m.ready_at`

func scanMessage(row pgx.Row) (store.Message, error) {
	var m store.Message
	var state string
	var claimed, ready pgtype.Timestamptz
	err := row.Scan(&m.Seq, &m.ID, &m.TenantID, &m.SenderID, &m.Input, &m.WaID, &m.Type, &m.Category,
		&m.Body, &state, &m.Attempts, &m.NextAttemptAt, &claimed, &m.MetaID, &m.ErrorCode,
		&m.ErrorDetail, &m.CreatedAt, &m.UpdatedAt, &m.MessageStatus, &ready)
	if err != nil {
		return store.Message{}, err
	}
	m.State = store.MessageState(state)
	m.ClaimedUntil = fromNull(claimed)
	m.ReadyAt = fromNull(ready)
	m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = utc(m.NextAttemptAt), utc(m.CreatedAt), utc(m.UpdatedAt)
	return m, nil
}

// LastFailedWith returns when the tenant's latest message to any of waIDs
// failed with code after since (zero when none). The recipient index
// bounds the read to that person's messages.
func (s *Store) LastFailedWith(ctx context.Context, tenantID string, waIDs []string, code int, since time.Time) (time.Time, error) {
	if len(waIDs) == 0 {
		return time.Time{}, nil
	}
	var at *time.Time
	err := s.pool.QueryRow(ctx, `SELECT MAX(updated_at) FROM messages
		WHERE tenant_id = $1 AND wa_id = ANY($2) AND state = 'failed' AND error_code = $3 AND updated_at > $4`,
		tenantID, waIDs, code, since).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: last failure: %w", err)
	}
	if at == nil {
		return time.Time{}, nil
	}
	return utc(*at), nil
}

// MessagesByRecipient returns a page of a tenant's messages to one
// recipient, newest first.
func (s *Store) MessagesByRecipient(ctx context.Context, tenantID, waID string, beforeSeq int64, limit int) ([]store.Message, error) {
	if beforeSeq <= 0 {
		beforeSeq = math.MaxInt64
	}
	rows, err := s.pool.Query(ctx, `SELECT `+messageCols+` FROM messages m
		WHERE m.tenant_id = $1 AND m.wa_id = $2 AND m.seq < $3 ORDER BY m.seq DESC LIMIT $4`, tenantID, waID, beforeSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: messages by recipient: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: messages by recipient: %w", err)
	}
	return out, nil
}

// ClaimMessages takes up to limit due messages of one sender. Rows another
// replica is claiming right now are skipped, not waited for, so concurrent
// claimers get disjoint batches.
func (s *Store) ClaimMessages(ctx context.Context, senderID string, now time.Time, limit int, lease time.Duration) ([]store.Message, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM messages
			WHERE sender_id = $1 AND state IN ('queued', 'sending')
			  AND ((state = 'queued' AND next_attempt_at <= $2)
			    OR (state = 'sending' AND COALESCE(claimed_until, '-infinity') <= $2))
			ORDER BY seq
			LIMIT $3
			FOR UPDATE SKIP LOCKED)
		UPDATE messages m SET state = 'sending', claimed_until = $4, updated_at = $2
		FROM due WHERE m.id = due.id
		RETURNING `+messageCols, senderID, now, limit, now.Add(lease))
	if err != nil {
		return nil, fmt.Errorf("postgres: claim messages: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: claim messages: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Message) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// RequeueInFlight returns every sending message of a sender to queued.
func (s *Store) RequeueInFlight(ctx context.Context, senderID string) (int, error) {
	tag, err := s.pool.Exec(ctx, `
		UPDATE messages SET state = 'queued', claimed_until = NULL
		WHERE sender_id = $1 AND state = 'sending'`, senderID)
	if err != nil {
		return 0, fmt.Errorf("postgres: requeue in flight: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// RecordOutcomes applies dispatch outcomes and enqueues forwards in one
// transaction. An outcome settles a message still queued or sending; once a
// message is sent (or further), only a higher-ranked state replaces it, so a
// late or duplicate outcome never undoes what webhooks reported.
func (s *Store) RecordOutcomes(ctx context.Context, outcomes []store.Outcome, forwards []store.Forward) error {
	// Keep the last outcome per message (one UPDATE cannot apply two) and
	// update in id order so that concurrent batches lock rows alike.
	last := make(map[string]int, len(outcomes))
	for i, o := range outcomes {
		last[o.MessageID] = i
	}
	uniq := make([]store.Outcome, 0, len(last))
	for i, o := range outcomes {
		if last[o.MessageID] == i {
			uniq = append(uniq, o)
		}
	}
	slices.SortFunc(uniq, func(a, b store.Outcome) int { return cmp.Compare(a.MessageID, b.MessageID) })
	n := len(uniq)
	var (
		ids, states, metaIDs, waIDs, details = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		msgStatuses                          = make([]string, n)
		attempts, codes                      = make([]int32, n), make([]int32, n)
		nextAt, at                           = make([]time.Time, n), make([]time.Time, n)
		readyAt                              = make([]pgtype.Timestamptz, n)
	)
	for i, o := range uniq {
		ids[i], states[i], metaIDs[i], waIDs[i], details[i] = o.MessageID, string(o.State), o.MetaID, o.WaID, o.ErrorDetail
		attempts[i], codes[i], nextAt[i], at[i] = int32(o.Attempts), int32(o.ErrorCode), o.NextAttemptAt, o.At
		msgStatuses[i] = o.MessageStatus
		if !o.ReadyAt.IsZero() {
			readyAt[i] = pgtype.Timestamptz{Time: o.ReadyAt, Valid: true}
		}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		applied := map[string]bool{}
		if n > 0 {
			rows, err := tx.Query(ctx, `
				UPDATE messages m SET
					state = v.state,
					meta_id = COALESCE(NULLIF(v.meta_id, ''), m.meta_id),
					wa_id = COALESCE(NULLIF(v.wa_id, ''), m.wa_id),
					attempts = v.attempts,
					next_attempt_at = CASE WHEN v.state = 'queued' THEN v.next_at ELSE m.next_attempt_at END,
					claimed_until = NULL,
					error_code = v.error_code,
					error_detail = v.error_detail,
					updated_at = v.at,
					message_status = CASE WHEN v.state = 'sent' THEN v.message_status ELSE m.message_status END,
					ready_at = COALESCE(v.ready_at, m.ready_at)
				FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[],
					$7::int[], $8::text[], $9::timestamptz[], $10::text[], $11::timestamptz[])
					AS v(id, state, meta_id, wa_id, attempts, next_at, error_code, error_detail, at, message_status, ready_at)
				WHERE m.id = v.id
				  AND (m.state IN ('queued', 'sending') OR state_rank(v.state) > state_rank(m.state))
				RETURNING m.id`,
				ids, states, metaIDs, waIDs, attempts, nextAt, codes, details, at, msgStatuses, readyAt)
			if err != nil {
				return fmt.Errorf("update messages: %w", err)
			}
			var id string
			if _, err := pgx.ForEachRow(rows, []any{&id}, func() error {
				applied[id] = true
				return nil
			}); err != nil {
				return fmt.Errorf("update messages: %w", err)
			}
		}
		return insertForwards(ctx, tx, store.ForwardsFor(forwards, func(id string) bool { return applied[id] }))
	})
	if err != nil {
		return fmt.Errorf("postgres: record outcomes: %w", err)
	}
	return nil
}

// GetMessage returns a message by the gateway's id.
func (s *Store) GetMessage(ctx context.Context, id string) (store.Message, error) {
	m, err := scanMessage(s.pool.QueryRow(ctx, `SELECT `+messageCols+` FROM messages m WHERE m.id = $1`, id))
	if err != nil {
		return store.Message{}, notFound(err, "get message")
	}
	return m, nil
}

// MessagesByMetaID maps Meta's message ids to the gateway's messages.
func (s *Store) MessagesByMetaID(ctx context.Context, metaIDs []string) (map[string]store.MessageRef, error) {
	out := make(map[string]store.MessageRef, len(metaIDs))
	if len(metaIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT meta_id, id, tenant_id, sender_id, state FROM messages WHERE meta_id = ANY($1::text[])`, metaIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: messages by meta id: %w", err)
	}
	var metaID, state string
	var ref store.MessageRef
	if _, err := pgx.ForEachRow(rows, []any{&metaID, &ref.ID, &ref.TenantID, &ref.SenderID, &state}, func() error {
		ref.State = store.MessageState(state)
		out[metaID] = ref
		return nil
	}); err != nil {
		return nil, fmt.Errorf("postgres: messages by meta id: %w", err)
	}
	return out, nil
}

// QueueDepth counts queued and in-flight messages per sender.
func (s *Store) QueueDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT sender_id, count(*) FROM messages WHERE state IN ('queued', 'sending') GROUP BY sender_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: queue depth: %w", err)
	}
	out := make(map[string]int)
	var sender string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&sender, &n}, func() error {
		out[sender] = n
		return nil
	}); err != nil {
		return nil, fmt.Errorf("postgres: queue depth: %w", err)
	}
	return out, nil
}

// OldestUnsent returns when each sender's oldest queued or in-flight
// message was accepted.
func (s *Store) OldestUnsent(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT sender_id, min(created_at) FROM messages WHERE state IN ('queued', 'sending') GROUP BY sender_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: oldest unsent: %w", err)
	}
	out := make(map[string]time.Time)
	var sender string
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&sender, &at}, func() error {
		out[sender] = at.UTC()
		return nil
	}); err != nil {
		return nil, fmt.Errorf("postgres: oldest unsent: %w", err)
	}
	return out, nil
}

// SendersWithDueMessages lists, in order, the senders having messages due at now.
func (s *Store) SendersWithDueMessages(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT DISTINCT sender_id FROM messages
		WHERE state IN ('queued', 'sending')
		  AND ((state = 'queued' AND next_attempt_at <= $1)
		    OR (state = 'sending' AND COALESCE(claimed_until, '-infinity') <= $1))
		ORDER BY sender_id`, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: senders with due messages: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: senders with due messages: %w", err)
	}
	return out, nil
}

// ListDecisions returns stored decisions, newest first.
func (s *Store) ListDecisions(ctx context.Context, f store.DecisionFilter) ([]store.Decision, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.TenantID != "" {
		add("tenant_id = $%d", f.TenantID)
	}
	if f.SenderID != "" {
		add("sender_id = $%d", f.SenderID)
	}
	if f.Outcome != "" {
		add("outcome = $%d", string(f.Outcome))
	}
	if f.MessageID != "" {
		add("message_id = $%d", f.MessageID)
	}
	if f.WaID != "" {
		add("wa_id = $%d", f.WaID)
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	q := `SELECT id, tenant_id, sender_id, message_id, wa_id, outcome, rule, code, graph_code, reason,
		until, created_at FROM decisions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list decisions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Decision, error) {
		var d store.Decision
		var outcome string
		var until pgtype.Timestamptz
		err := r.Scan(&d.ID, &d.TenantID, &d.SenderID, &d.MessageID, &d.WaID, &outcome, &d.Rule, &d.Code,
			&d.GraphCode, &d.Reason, &until, &d.CreatedAt)
		d.Outcome = store.DecisionOutcome(outcome)
		d.Until = fromNull(until)
		d.CreatedAt = utc(d.CreatedAt)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list decisions: %w", err)
	}
	return out, nil
}
