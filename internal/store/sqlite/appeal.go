package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// sentAt is when a message was sent: Meta's first status for it, else the
// last time the gateway recorded it (the send's outcome, for a message
// Meta's webhooks never told of).
const sentAt = `COALESCE((SELECT MIN(e.ts) FROM status_events e WHERE e.message_id = m.id), m.updated_at)`

// AppealVolumes implements store.Appeals.
func (s *Store) AppealVolumes(ctx context.Context, sc store.AppealScope) ([]store.CategoryDay, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT created_at / ?1, category, COUNT(*),
			SUM(CASE WHEN meta_id IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END)
		FROM messages WHERE tenant_id = ?2 AND sender_id = ?3 AND created_at >= ?4 AND created_at < ?5
		GROUP BY 1, 2 ORDER BY 1, 2`, dayMS, sc.TenantID, sc.SenderID, ms(sc.From), ms(sc.To))
	if err != nil {
		return nil, fmt.Errorf("sqlite: appeal volumes: %w", err)
	}
	defer rows.Close()
	var out []store.CategoryDay
	for rows.Next() {
		var day int64
		var c store.CategoryDay
		if err := rows.Scan(&day, &c.Category, &c.Accepted, &c.Sent, &c.Failed); err != nil {
			return nil, fmt.Errorf("sqlite: appeal volumes: %w", err)
		}
		c.Day = time.UnixMilli(day * dayMS).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: appeal volumes: %w", err)
	}
	return out, nil
}

// AppealRecipients implements store.Appeals.
func (s *Store) AppealRecipients(ctx context.Context, sc store.AppealScope) ([]store.RecipientSends, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT wa_id, category, COUNT(*), MIN(created_at) FROM messages
		WHERE tenant_id = ? AND sender_id = ? AND created_at >= ? AND created_at < ? AND meta_id IS NOT NULL
		GROUP BY wa_id, category ORDER BY wa_id, category`, sc.TenantID, sc.SenderID, ms(sc.From), ms(sc.To))
	if err != nil {
		return nil, fmt.Errorf("sqlite: appeal recipients: %w", err)
	}
	defer rows.Close()
	var out []store.RecipientSends
	for rows.Next() {
		var r store.RecipientSends
		var first int64
		if err := rows.Scan(&r.WaID, &r.Category, &r.Sent, &first); err != nil {
			return nil, fmt.Errorf("sqlite: appeal recipients: %w", err)
		}
		r.First = tm(first)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: appeal recipients: %w", err)
	}
	return out, nil
}

// AppealLastSent implements store.Appeals.
func (s *Store) AppealLastSent(ctx context.Context, tenantID, senderID, waID string, categories []string, after, before time.Time) (time.Time, int, error) {
	if len(categories) == 0 {
		return time.Time{}, 0, nil
	}
	args := []any{tenantID, senderID, waID}
	for _, c := range categories {
		args = append(args, c)
	}
	upper := int64(1<<63 - 1)
	if !before.IsZero() {
		upper = ms(before)
	}
	args = append(args, ms(after), upper)
	var last, n int64
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(t), 0), COUNT(*) FROM (
			SELECT `+sentAt+` AS t FROM messages m
			WHERE m.tenant_id = ? AND m.sender_id = ? AND m.wa_id = ? AND m.meta_id IS NOT NULL
				AND m.category IN (?`+strings.Repeat(", ?", len(categories)-1)+`)
		) WHERE t > ? AND t < ?`, args...).Scan(&last, &n)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("sqlite: appeal last sent: %w", err)
	}
	if n == 0 {
		return time.Time{}, 0, nil
	}
	return tm(last), int(n), nil
}

// AppealFailures implements store.Appeals.
func (s *Store) AppealFailures(ctx context.Context, sc store.AppealScope) ([]store.CodeCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT error_code, COUNT(*) FROM messages
		WHERE tenant_id = ? AND sender_id = ? AND created_at >= ? AND created_at < ? AND state = 'failed'
		GROUP BY error_code ORDER BY 2 DESC, 1`, sc.TenantID, sc.SenderID, ms(sc.From), ms(sc.To))
	if err != nil {
		return nil, fmt.Errorf("sqlite: appeal failures: %w", err)
	}
	defer rows.Close()
	var out []store.CodeCount
	for rows.Next() {
		var c store.CodeCount
		if err := rows.Scan(&c.Code, &c.Count); err != nil {
			return nil, fmt.Errorf("sqlite: appeal failures: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: appeal failures: %w", err)
	}
	return out, nil
}

// AppealDecisions implements store.Appeals.
func (s *Store) AppealDecisions(ctx context.Context, sc store.AppealScope) ([]store.DecisionCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT outcome, rule, code, graph_code, COUNT(*), MIN(created_at), MAX(created_at)
		FROM decisions WHERE tenant_id = ? AND sender_id = ? AND created_at >= ? AND created_at < ?
		GROUP BY outcome, rule, code, graph_code ORDER BY outcome, rule, code, graph_code`,
		sc.TenantID, sc.SenderID, ms(sc.From), ms(sc.To))
	if err != nil {
		return nil, fmt.Errorf("sqlite: appeal decisions: %w", err)
	}
	defer rows.Close()
	var out []store.DecisionCount
	for rows.Next() {
		var d store.DecisionCount
		var first, last int64
		if err := rows.Scan(&d.Outcome, &d.Rule, &d.Code, &d.GraphCode, &d.Count, &first, &last); err != nil {
			return nil, fmt.Errorf("sqlite: appeal decisions: %w", err)
		}
		d.First, d.Last = tm(first), tm(last)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: appeal decisions: %w", err)
	}
	return out, nil
}

// AppealTemplates implements store.Appeals. The body is cast to text:
// SQLite reads a BLOB given to its JSON functions as JSONB. An erased
// message (its body blanked) counts under an empty name.
func (s *Store) AppealTemplates(ctx context.Context, sc store.AppealScope) ([]store.TemplateUse, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, lang, COUNT(*) FROM (
			SELECT CASE WHEN json_valid(CAST(body AS TEXT)) THEN COALESCE(json_extract(CAST(body AS TEXT), '$.template.name'), '') ELSE '' END AS name,
				CASE WHEN json_valid(CAST(body AS TEXT)) THEN COALESCE(json_extract(CAST(body AS TEXT), '$.template.language.code'), '') ELSE '' END AS lang
			FROM messages WHERE tenant_id = ? AND sender_id = ? AND created_at >= ? AND created_at < ?
				AND type = 'template'
		) GROUP BY name, lang ORDER BY 3 DESC, 1, 2`, sc.TenantID, sc.SenderID, ms(sc.From), ms(sc.To))
	if err != nil {
		return nil, fmt.Errorf("sqlite: appeal templates: %w", err)
	}
	defer rows.Close()
	var out []store.TemplateUse
	for rows.Next() {
		var u store.TemplateUse
		if err := rows.Scan(&u.Name, &u.Language, &u.Count); err != nil {
			return nil, fmt.Errorf("sqlite: appeal templates: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: appeal templates: %w", err)
	}
	return out, nil
}
