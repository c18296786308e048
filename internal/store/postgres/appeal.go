package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// sentAt is when a message was sent: Meta's first status for it, else the
// last time the gateway recorded it (the send's outcome, for a message
// Meta's webhooks never told of).
const sentAt = `COALESCE((SELECT MIN(e.ts) FROM status_events e WHERE e.message_id = m.id), m.updated_at)`

// AppealVolumes implements store.Appeals.
func (s *Store) AppealVolumes(ctx context.Context, sc store.AppealScope) ([]store.CategoryDay, error) {
	rows, err := s.pool.Query(ctx, `SELECT floor(extract(epoch FROM created_at) / 86400)::bigint, category, COUNT(*),
			COUNT(*) FILTER (WHERE meta_id IS NOT NULL), COUNT(*) FILTER (WHERE state = 'failed')
		FROM messages WHERE tenant_id = $1 AND sender_id = $2 AND created_at >= $3 AND created_at < $4
		GROUP BY 1, 2 ORDER BY 1, 2`, sc.TenantID, sc.SenderID, msTime(sc.From), msTime(sc.To))
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal volumes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.CategoryDay, error) {
		var day, acc, sent, failed int64
		var c store.CategoryDay
		err := r.Scan(&day, &c.Category, &acc, &sent, &failed)
		c.Day, c.Accepted, c.Sent, c.Failed = time.Unix(day*86400, 0).UTC(), int(acc), int(sent), int(failed)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal volumes: %w", err)
	}
	return out, nil
}

// AppealRecipients implements store.Appeals.
func (s *Store) AppealRecipients(ctx context.Context, sc store.AppealScope) ([]store.RecipientSends, error) {
	rows, err := s.pool.Query(ctx, `SELECT wa_id, category, COUNT(*), MIN(created_at) FROM messages
		WHERE tenant_id = $1 AND sender_id = $2 AND created_at >= $3 AND created_at < $4 AND meta_id IS NOT NULL
		GROUP BY wa_id, category ORDER BY wa_id COLLATE "C", category COLLATE "C"`,
		sc.TenantID, sc.SenderID, msTime(sc.From), msTime(sc.To))
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal recipients: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.RecipientSends, error) {
		var rs store.RecipientSends
		var n int64
		err := r.Scan(&rs.WaID, &rs.Category, &n, &rs.First)
		rs.Sent, rs.First = int(n), rs.First.UTC()
		return rs, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal recipients: %w", err)
	}
	return out, nil
}

// AppealLastSent implements store.Appeals.
func (s *Store) AppealLastSent(ctx context.Context, tenantID, senderID, waID string, categories []string, after, before time.Time) (time.Time, int, error) {
	if len(categories) == 0 {
		return time.Time{}, 0, nil
	}
	var last *time.Time
	var n int64
	var upper *time.Time
	if !before.IsZero() {
		b := msTime(before)
		upper = &b
	}
	err := s.pool.QueryRow(ctx, `SELECT MAX(t), COUNT(*) FROM (
			SELECT `+sentAt+` AS t FROM messages m
			WHERE m.tenant_id = $1 AND m.sender_id = $2 AND m.wa_id = $3 AND m.meta_id IS NOT NULL
				AND m.category = ANY($4)
		) x WHERE t > $5 AND ($6::timestamptz IS NULL OR t < $6)`,
		tenantID, senderID, waID, categories, msTime(after), upper).Scan(&last, &n)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("postgres: appeal last sent: %w", err)
	}
	if n == 0 || last == nil {
		return time.Time{}, 0, nil
	}
	return last.UTC(), int(n), nil
}

// AppealFailures implements store.Appeals.
func (s *Store) AppealFailures(ctx context.Context, sc store.AppealScope) ([]store.CodeCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT error_code, COUNT(*) FROM messages
		WHERE tenant_id = $1 AND sender_id = $2 AND created_at >= $3 AND created_at < $4 AND state = 'failed'
		GROUP BY error_code ORDER BY 2 DESC, 1`, sc.TenantID, sc.SenderID, msTime(sc.From), msTime(sc.To))
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal failures: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.CodeCount, error) {
		var code, n int64
		err := r.Scan(&code, &n)
		return store.CodeCount{Code: int(code), Count: int(n)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal failures: %w", err)
	}
	return out, nil
}

// AppealDecisions implements store.Appeals.
func (s *Store) AppealDecisions(ctx context.Context, sc store.AppealScope) ([]store.DecisionCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT outcome, rule, code, graph_code, COUNT(*), MIN(created_at), MAX(created_at)
		FROM decisions WHERE tenant_id = $1 AND sender_id = $2 AND created_at >= $3 AND created_at < $4
		GROUP BY outcome, rule, code, graph_code
		ORDER BY outcome COLLATE "C", rule COLLATE "C", code COLLATE "C", graph_code`,
		sc.TenantID, sc.SenderID, msTime(sc.From), msTime(sc.To))
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal decisions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.DecisionCount, error) {
		var d store.DecisionCount
		var outcome string
		var gc, n int64
		err := r.Scan(&outcome, &d.Rule, &d.Code, &gc, &n, &d.First, &d.Last)
		d.Outcome, d.GraphCode, d.Count, d.First, d.Last = store.DecisionOutcome(outcome), int(gc), int(n), d.First.UTC(), d.Last.UTC()
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal decisions: %w", err)
	}
	return out, nil
}

// AppealTemplates implements store.Appeals. An erased message (its body
// blanked) counts under an empty name.
func (s *Store) AppealTemplates(ctx context.Context, sc store.AppealScope) ([]store.TemplateUse, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, lang, n FROM (
			SELECT COALESCE(b #>> '{template,name}', '') AS name, COALESCE(b #>> '{template,language,code}', '') AS lang, COUNT(*) AS n
			FROM (SELECT CASE WHEN length(body) > 0 THEN convert_from(body, 'UTF8')::jsonb END AS b FROM messages
				WHERE tenant_id = $1 AND sender_id = $2 AND created_at >= $3 AND created_at < $4 AND type = 'template') x
			GROUP BY 1, 2) y
		ORDER BY n DESC, name COLLATE "C", lang COLLATE "C"`, sc.TenantID, sc.SenderID, msTime(sc.From), msTime(sc.To))
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal templates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.TemplateUse, error) {
		var u store.TemplateUse
		var n int64
		err := r.Scan(&u.Name, &u.Language, &n)
		u.Count = int(n)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: appeal templates: %w", err)
	}
	return out, nil
}
