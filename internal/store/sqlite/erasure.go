package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// EraseContact implements store.Erasure, in one transaction.
func (s *Store) EraseContact(ctx context.Context, tenantID string, ids []string, failCode int, at time.Time) (store.ErasureReport, error) {
	var rep store.ErasureReport
	if len(ids) == 0 {
		return rep, nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			steps := []struct {
				n   *int
				q   string
				arg []any
			}{
				{&rep.Failed, `UPDATE messages SET state = 'failed', error_code = ?, error_detail = 'suppression.erased: the person''s data was erased', next_attempt_at = 0, updated_at = ?
					WHERE tenant_id = ? AND wa_id = ? AND state = 'queued'`, []any{failCode, ms(at), tenantID, id}},
				{&rep.Messages, `UPDATE messages SET body = X'', input = '' WHERE tenant_id = ? AND wa_id = ? AND state <> 'sending' AND (length(body) > 0 OR input <> '')`,
					[]any{tenantID, id}},
				{&rep.Decisions, `UPDATE decisions SET wa_id = '', reason = '' WHERE tenant_id = ? AND wa_id = ?`, []any{tenantID, id}},
				{&rep.Inbound, `UPDATE inbound SET body = X'' WHERE from_wa_id = ? AND length(body) > 0
					AND sender_id IN (SELECT phone_number_id FROM senders WHERE tenant_id = ?)`, []any{id, tenantID}},
				{&rep.Windows, `DELETE FROM windows WHERE wa_id = ? AND sender_id IN (SELECT phone_number_id FROM senders WHERE tenant_id = ?)`, []any{id, tenantID}},
				{&rep.Sends, `DELETE FROM contact_sends WHERE tenant_id = ? AND wa_id = ?`, []any{tenantID, id}},
				// The contact row is all personal data (number, name, tags,
				// attributes): it goes whole. Its consent stays in the ledger.
				{&rep.Contacts, `DELETE FROM contacts WHERE tenant_id = ? AND wa_id = ?`, []any{tenantID, id}},
				{&rep.Identities, `DELETE FROM identities WHERE tenant_id = ? AND (wa_id = ? OR user_id = ?)`, []any{tenantID, id, id}},
				// The JSON string "<id>" exactly: a wa_id, recipient_id, from
				// or user_id value, never a part of another number.
				{&rep.Forwards, `UPDATE forwards SET value = CAST('{}' AS BLOB) WHERE tenant_id = ? AND state <> 'pending' AND instr(value, CAST(? AS BLOB)) > 0`,
					[]any{tenantID, `"` + id + `"`}},
				{&rep.Cancelled, `UPDATE forwards SET value = CAST('{}' AS BLOB), state = 'dead', last_error = 'erased: the person''s data was erased before delivery'
					WHERE tenant_id = ? AND state = 'pending' AND instr(value, CAST(? AS BLOB)) > 0`,
					[]any{tenantID, `"` + id + `"`}},
				// Raw bodies hold every tenant of a WABA's app: only those
				// naming the person on one of this tenant's numbers.
				{&rep.Deliveries, `UPDATE deliveries SET body = CAST('{}' AS BLOB) WHERE done = 1 AND instr(body, CAST(? AS BLOB)) > 0
					AND EXISTS (SELECT 1 FROM senders WHERE tenant_id = ? AND instr(deliveries.body, CAST('"' || phone_number_id || '"' AS BLOB)) > 0)`,
					[]any{`"` + id + `"`, tenantID}},
			}
			for _, st := range steps {
				res, err := tx.ExecContext(ctx, st.q, st.arg...)
				if err != nil {
					return fmt.Errorf("sqlite: erase contact: %w", err)
				}
				n, _ := res.RowsAffected()
				*st.n += int(n)
			}
		}
		return nil
	})
	return rep, err
}
