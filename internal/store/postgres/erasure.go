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
			// The contact row is all personal data (number, name, tags,
			// attributes): it goes whole. Its consent stays in the ledger.
			{&rep.Contacts, `DELETE FROM contacts WHERE tenant_id = $1 AND wa_id = ANY($2)`, []any{tenantID, ids}},
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
				[]any{tenantID, []byte(`"` + id + `"`)}},
				struct {
					n   *int
					q   string
					arg []any
				}{&rep.Cancelled, `UPDATE forwards SET value = '{}'::bytea, state = 'dead', last_error = 'erased: the person''s data was erased before delivery'
					WHERE tenant_id = $1 AND state = 'pending' AND position($2::bytea in value) > 0`,
					[]any{tenantID, []byte(`"` + id + `"`)}},
				// Raw bodies hold every tenant of a WABA's app: only those
				// naming the person on one of this tenant's numbers.
				struct {
					n   *int
					q   string
					arg []any
				}{&rep.Deliveries, `UPDATE deliveries SET body = '{}'::bytea WHERE done AND position($1::bytea in body) > 0
					AND EXISTS (SELECT 1 FROM senders WHERE tenant_id = $2 AND position(convert_to('"' || phone_number_id || '"', 'UTF8') in deliveries.body) > 0)`,
					[]any{[]byte(`"` + id + `"`), tenantID}})
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
