package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wabaguard/wabaguard/internal/store"
)

const contactCols = `wa_id, e164, contact_key, name, language, tags, attributes, created_at, updated_at`

// PutContacts implements store.Contacts, in one transaction.
func (s *Store) PutContacts(ctx context.Context, cs []store.Contact, imp *store.ContactImport) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if len(cs) > 0 {
			// Many rows per statement: an import writes thousands per chunk.
			m := newMultiRow(tx, `INSERT INTO contacts (tenant_id, `+contactCols+`) VALUES `,
				` ON CONFLICT (tenant_id, wa_id) DO UPDATE SET e164 = excluded.e164, contact_key = excluded.contact_key,
					name = excluded.name, language = excluded.language, tags = excluded.tags,
					attributes = excluded.attributes, updated_at = excluded.updated_at`, 10)
			for _, c := range cs {
				tags, err := json.Marshal(tagList(c.Tags))
				if err != nil {
					return fmt.Errorf("sqlite: put contacts: %w", err)
				}
				if err := m.add(ctx, c.TenantID, c.WaID, c.E164, c.ContactKey, c.Name, c.Language,
					string(tags), attrs(c.Attributes), ms(c.CreatedAt), ms(c.UpdatedAt)); err != nil {
					return fmt.Errorf("sqlite: put contacts: %w", err)
				}
			}
			if err := m.flush(ctx); err != nil {
				return fmt.Errorf("sqlite: put contacts: %w", err)
			}
		}
		if imp != nil {
			return putImport(ctx, tx, *imp)
		}
		return nil
	})
}

func tagList(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}

func attrs(a []byte) string {
	if len(a) == 0 {
		return "{}"
	}
	return string(a)
}

type scanner interface{ Scan(dest ...any) error }

func scanContact(r scanner, tenantID string) (store.Contact, error) {
	c := store.Contact{TenantID: tenantID}
	var tags, at string
	var created, updated int64
	if err := r.Scan(&c.WaID, &c.E164, &c.ContactKey, &c.Name, &c.Language, &tags, &at, &created, &updated); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
		return c, fmt.Errorf("tags of %s: %w", c.WaID, err)
	}
	c.Attributes = []byte(at)
	c.CreatedAt, c.UpdatedAt = tm(created), tm(updated)
	return c, nil
}

// GetContacts implements store.Contacts.
func (s *Store) GetContacts(ctx context.Context, tenantID string, waIDs []string) (map[string]store.Contact, error) {
	out := make(map[string]store.Contact, len(waIDs))
	for i := 0; i < len(waIDs); i += chunk {
		part := waIDs[i:min(i+chunk, len(waIDs))]
		args := []any{tenantID}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE tenant_id = ? AND wa_id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: get contacts: %w", err)
		}
		for rows.Next() {
			c, err := scanContact(rows, tenantID)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: get contacts: %w", err)
			}
			out[c.WaID] = c
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlite: get contacts: %w", err)
		}
	}
	return out, nil
}

// GetContact implements store.Contacts.
func (s *Store) GetContact(ctx context.Context, tenantID, waID string) (store.Contact, error) {
	c, err := scanContact(s.r.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE tenant_id = ? AND wa_id = ?`, tenantID, waID), tenantID)
	if err != nil {
		return store.Contact{}, notFound("get contact", err)
	}
	cs := []store.Contact{c}
	if err := s.enrich(ctx, tenantID, cs); err != nil {
		return store.Contact{}, err
	}
	return cs[0], nil
}

// ListContacts implements store.Contacts.
func (s *Store) ListContacts(ctx context.Context, q store.ContactQuery) ([]store.Contact, error) {
	where := []string{"tenant_id = ?", "wa_id > ?"}
	args := []any{q.TenantID, q.After}
	if q.Search != "" {
		where = append(where, `(wa_id LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\')`)
		e := likeEscape(q.Search)
		args = append(args, e+"%", "%"+e+"%")
	}
	if q.Tag != "" {
		where = append(where, `tags LIKE ? ESCAPE '\'`)
		b, _ := json.Marshal(q.Tag)
		args = append(args, "%"+likeEscape(string(b))+"%")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE `+strings.Join(where, " AND ")+` ORDER BY wa_id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list contacts: %w", err)
	}
	defer rows.Close()
	var out []store.Contact
	for rows.Next() {
		c, err := scanContact(rows, q.TenantID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list contacts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list contacts: %w", err)
	}
	if err := s.enrich(ctx, q.TenantID, out); err != nil {
		return nil, err
	}
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// enrich fills the consent rows and the last inbound time of a page.
func (s *Store) enrich(ctx context.Context, tenantID string, cs []store.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = c.ContactKey
	}
	states, err := s.ConsentStatesOf(ctx, tenantID, keys)
	if err != nil {
		return err
	}
	last := map[string]int64{}
	for i := 0; i < len(cs); i += chunk {
		part := cs[i:min(i+chunk, len(cs))]
		args := []any{tenantID}
		for _, c := range part {
			args = append(args, c.WaID)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT w.wa_id, MAX(w.at) FROM windows w JOIN senders s ON s.phone_number_id = w.sender_id
			WHERE s.tenant_id = ? AND w.wa_id IN (`+placeholders(len(part))+`) GROUP BY w.wa_id`, args...)
		if err != nil {
			return fmt.Errorf("sqlite: contacts' activity: %w", err)
		}
		for rows.Next() {
			var id string
			var at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: contacts' activity: %w", err)
			}
			last[id] = at
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqlite: contacts' activity: %w", err)
		}
	}
	for i := range cs {
		cs[i].Consent = states[cs[i].ContactKey]
		cs[i].LastInboundAt = tm(last[cs[i].WaID])
	}
	return nil
}

// ConsentStatesOf implements store.Contacts.
func (s *Store) ConsentStatesOf(ctx context.Context, tenantID string, keys []string) (map[string][]store.ConsentState, error) {
	out := map[string][]store.ConsentState{}
	for i := 0; i < len(keys); i += chunk {
		part := keys[i:min(i+chunk, len(keys))]
		args := []any{tenantID}
		for _, k := range part {
			args = append(args, k)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT contact_key, category, action, source, seq, at FROM consent_state
			WHERE tenant_id = ? AND contact_key IN (`+placeholders(len(part))+`) ORDER BY contact_key, category`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: consent states: %w", err)
		}
		for rows.Next() {
			var st store.ConsentState
			var at int64
			if err := rows.Scan(&st.ContactKey, &st.Category, &st.Action, &st.Source, &st.Seq, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: consent states: %w", err)
			}
			st.At = tm(at)
			out[st.ContactKey] = append(out[st.ContactKey], st)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlite: consent states: %w", err)
		}
	}
	return out, nil
}

// CountContacts implements store.Contacts.
func (s *Store) CountContacts(ctx context.Context, tenantID string) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts WHERE tenant_id = ?`, tenantID).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count contacts: %w", err)
	}
	return n, nil
}

// DeleteContact implements store.Contacts.
func (s *Store) DeleteContact(ctx context.Context, tenantID, waID string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM contacts WHERE tenant_id = ? AND wa_id = ?`, tenantID, waID)
	if err != nil {
		return fmt.Errorf("sqlite: delete contact: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: delete contact: %w", store.ErrNotFound)
	}
	return nil
}

func putImport(ctx context.Context, tx *sql.Tx, imp store.ContactImport) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO contact_imports (tenant_id, id, digest, state, lines, committed_line, created, merged, refused, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, id) DO UPDATE SET state = excluded.state, lines = excluded.lines, committed_line = excluded.committed_line,
			created = excluded.created, merged = excluded.merged, refused = excluded.refused, updated_at = excluded.updated_at`,
		imp.TenantID, imp.ID, imp.Digest, imp.State, imp.Lines, imp.CommittedLine, imp.Created, imp.Merged, imp.Refused,
		ms(imp.CreatedAt), ms(imp.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: put contact import: %w", err)
	}
	return nil
}

// PutContactImport implements store.Contacts.
func (s *Store) PutContactImport(ctx context.Context, imp store.ContactImport) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return putImport(ctx, tx, imp) })
}

// ContactImportByDigest implements store.Contacts.
func (s *Store) ContactImportByDigest(ctx context.Context, tenantID, digest string) (store.ContactImport, error) {
	imp := store.ContactImport{TenantID: tenantID, Digest: digest}
	var created, updated int64
	err := s.r.QueryRowContext(ctx, `SELECT id, state, lines, committed_line, created, merged, refused, created_at, updated_at
		FROM contact_imports WHERE tenant_id = ? AND digest = ? AND state = 'committing' ORDER BY created_at DESC, id DESC LIMIT 1`,
		tenantID, digest).Scan(&imp.ID, &imp.State, &imp.Lines, &imp.CommittedLine, &imp.Created, &imp.Merged, &imp.Refused, &created, &updated)
	if err != nil {
		return store.ContactImport{}, notFound("contact import", err)
	}
	imp.CreatedAt, imp.UpdatedAt = tm(created), tm(updated)
	return imp, nil
}

// PutAudience implements store.Contacts.
func (s *Store) PutAudience(ctx context.Context, a store.Audience) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO audiences (tenant_id, id, name, filter, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, filter = excluded.filter, updated_at = excluded.updated_at`,
		a.TenantID, a.ID, a.Name, string(a.Filter), ms(a.CreatedAt), ms(a.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: put audience: %w", err)
	}
	return nil
}

func scanAudience(r scanner, tenantID string) (store.Audience, error) {
	a := store.Audience{TenantID: tenantID}
	var f string
	var created, updated int64
	if err := r.Scan(&a.ID, &a.Name, &f, &created, &updated); err != nil {
		return a, err
	}
	a.Filter, a.CreatedAt, a.UpdatedAt = []byte(f), tm(created), tm(updated)
	return a, nil
}

// GetAudience implements store.Contacts.
func (s *Store) GetAudience(ctx context.Context, tenantID, id string) (store.Audience, error) {
	a, err := scanAudience(s.r.QueryRowContext(ctx, `SELECT id, name, filter, created_at, updated_at FROM audiences WHERE tenant_id = ? AND id = ?`, tenantID, id), tenantID)
	if err != nil {
		return store.Audience{}, notFound("get audience", err)
	}
	return a, nil
}

// ListAudiences implements store.Contacts.
func (s *Store) ListAudiences(ctx context.Context, tenantID string) ([]store.Audience, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, filter, created_at, updated_at FROM audiences WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list audiences: %w", err)
	}
	defer rows.Close()
	var out []store.Audience
	for rows.Next() {
		a, err := scanAudience(rows, tenantID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list audiences: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list audiences: %w", err)
	}
	return out, nil
}

// DeleteAudience implements store.Contacts.
func (s *Store) DeleteAudience(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM audiences WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete audience: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: delete audience: %w", store.ErrNotFound)
	}
	return nil
}
