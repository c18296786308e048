package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// EraseContact implements store.Erasure, in one transaction.
func (s *Store) EraseContact(ctx context.Context, tenantID string, ids []string, failCode int, at time.Time) (store.ErasureReport, error) {
	var rep store.ErasureReport
	if len(ids) == 0 {
		return rep, nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		steps := []struct {
			n   *int
			q   string
			arg []any
		}{
			{&rep.Failed, `UPDATE messages SET state = 'failed', error_code = $1, error_detail = 'suppression.erased: the person''s data was erased', next_attempt_at = $2, updated_at = $3
				WHERE tenant_id = $4 AND wa_id = ANY($5) AND state = 'queued'`, []any{failCode, time.Time{}, msTime(at), tenantID, ids}},
			{&rep.Messages, `UPDATE messages SET body = ''::bytea, input = '' WHERE tenant_id = $1 AND wa_id = ANY($2) AND state <> 'sending' AND (length(body) > 0 OR input <> '')`,
				[]any{tenantID, ids}},
			{&rep.Decisions, `UPDATE decisions SET wa_id = '', reason = '' WHERE tenant_id = $1 AND wa_id = ANY($2)`, []any{tenantID, ids}},
			{&rep.Inbound, `UPDATE inbound_messages SET body = ''::bytea WHERE wa_from = ANY($1) AND length(body) > 0
				AND sender_id IN (SELECT phone_number_id FROM senders WHERE tenant_id = $2)`, []any{ids, tenantID}},
			{&rep.Windows, `DELETE FROM windows WHERE wa_id = ANY($1) AND sender_id IN (SELECT phone_number_id FROM senders WHERE tenant_id = $2)`, []any{ids, tenantID}},
			{&rep.Sends, `DELETE FROM contact_sends WHERE tenant_id = $1 AND wa_id = ANY($2)`, []any{tenantID, ids}},
			{&rep.Identities, `DELETE FROM identities WHERE tenant_id = $1 AND (wa_id = ANY($2) OR user_id = ANY($2))`, []any{tenantID, ids}},
		}
		// The JSON string "<id>" exactly: a wa_id, recipient_id, from or
		// user_id value, never a part of another number.
		for _, id := range ids {
			steps = append(steps, struct {
				n   *int
				q   string
				arg []any
			}{&rep.Forwards, `UPDATE forwards SET value = '{}'::bytea WHERE tenant_id = $1 AND state <> 'pending' AND position($2::bytea in value) > 0`,
				[]any{tenantID, []byte(`"` + id + `"`)}})
		}
		for _, st := range steps {
			tag, err := tx.Exec(ctx, st.q, st.arg...)
			if err != nil {
				return fmt.Errorf("postgres: erase contact: %w", err)
			}
			*st.n += int(tag.RowsAffected())
		}
		return nil
	})
	return rep, err
}
