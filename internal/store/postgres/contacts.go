package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

const contactCols = `wa_id, e164, contact_key, name, language, tags, attributes, created_at, updated_at`

// PutContacts implements store.Contacts, in one transaction.
func (s *Store) PutContacts(ctx context.Context, cs []store.Contact, imp *store.ContactImport) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		const q = `INSERT INTO contacts (tenant_id, ` + contactCols + `)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (tenant_id, wa_id) DO UPDATE SET e164 = excluded.e164, contact_key = excluded.contact_key,
				name = excluded.name, language = excluded.language, tags = excluded.tags,
				attributes = excluded.attributes, updated_at = excluded.updated_at`
		b := &pgx.Batch{}
		for _, c := range cs {
			tags, err := json.Marshal(tagList(c.Tags))
			if err != nil {
				return fmt.Errorf("postgres: put contacts: %w", err)
			}
			b.Queue(q, c.TenantID, c.WaID, c.E164, c.ContactKey, c.Name, c.Language, string(tags), attrs(c.Attributes),
				msTime(c.CreatedAt), msTime(c.UpdatedAt))
		}
		if imp != nil {
			queueImport(b, *imp)
		}
		if b.Len() == 0 {
			return nil
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("postgres: put contacts: %w", err)
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

func scanContact(r pgx.Row, tenantID string) (store.Contact, error) {
	c := store.Contact{TenantID: tenantID}
	var tags, at string
	if err := r.Scan(&c.WaID, &c.E164, &c.ContactKey, &c.Name, &c.Language, &tags, &at, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
		return c, fmt.Errorf("tags of %s: %w", c.WaID, err)
	}
	c.Attributes = []byte(at)
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	return c, nil
}

func (s *Store) queryContacts(ctx context.Context, tenantID, q string, args ...any) ([]store.Contact, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Contact
	for rows.Next() {
		c, err := scanContact(rows, tenantID)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetContacts implements store.Contacts.
func (s *Store) GetContacts(ctx context.Context, tenantID string, waIDs []string) (map[string]store.Contact, error) {
	cs, err := s.queryContacts(ctx, tenantID, `SELECT `+contactCols+` FROM contacts WHERE tenant_id = $1 AND wa_id = ANY($2)`, tenantID, waIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: get contacts: %w", err)
	}
	out := make(map[string]store.Contact, len(cs))
	for _, c := range cs {
		out[c.WaID] = c
	}
	return out, nil
}

// GetContact implements store.Contacts.
func (s *Store) GetContact(ctx context.Context, tenantID, waID string) (store.Contact, error) {
	c, err := scanContact(s.pool.QueryRow(ctx, `SELECT `+contactCols+` FROM contacts WHERE tenant_id = $1 AND wa_id = $2`, tenantID, waID), tenantID)
	if err != nil {
		return store.Contact{}, notFound(err, "get contact")
	}
	cs := []store.Contact{c}
	if err := s.enrich(ctx, tenantID, cs); err != nil {
		return store.Contact{}, err
	}
	return cs[0], nil
}

// ListContacts implements store.Contacts.
func (s *Store) ListContacts(ctx context.Context, q store.ContactQuery) ([]store.Contact, error) {
	where := []string{"tenant_id = $1", `wa_id COLLATE "C" > $2`}
	args := []any{q.TenantID, q.After}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if q.Search != "" {
		e := likeEscape(q.Search)
		where = append(where, `(wa_id LIKE `+arg(e+"%")+` OR name ILIKE `+arg("%"+e+"%")+`)`)
	}
	if q.Tag != "" {
		b, _ := json.Marshal(q.Tag)
		where = append(where, `tags LIKE `+arg("%"+likeEscape(string(b))+"%"))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	out, err := s.queryContacts(ctx, q.TenantID, `SELECT `+contactCols+` FROM contacts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY wa_id COLLATE "C" LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list contacts: %w", err)
	}
	if err := s.enrich(ctx, q.TenantID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// likeEscape escapes LIKE's wildcards with PostgreSQL's default escape, '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// enrich fills the consent rows and the last inbound time of a page.
func (s *Store) enrich(ctx context.Context, tenantID string, cs []store.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	keys := make([]string, len(cs))
	ids := make([]string, len(cs))
	for i, c := range cs {
		keys[i], ids[i] = c.ContactKey, c.WaID
	}
	states, err := s.ConsentStatesOf(ctx, tenantID, keys)
	if err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, `SELECT w.wa_id, MAX(w.at) FROM windows w JOIN senders s ON s.phone_number_id = w.sender_id
		WHERE s.tenant_id = $1 AND w.wa_id = ANY($2) GROUP BY w.wa_id`, tenantID, ids)
	if err != nil {
		return fmt.Errorf("postgres: contacts' activity: %w", err)
	}
	last := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: contacts' activity: %w", err)
		}
		last[id] = utc(at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: contacts' activity: %w", err)
	}
	for i := range cs {
		cs[i].Consent = states[cs[i].ContactKey]
		cs[i].LastInboundAt = last[cs[i].WaID]
	}
	return nil
}

// ConsentStatesOf implements store.Contacts.
func (s *Store) ConsentStatesOf(ctx context.Context, tenantID string, keys []string) (map[string][]store.ConsentState, error) {
	rows, err := s.pool.Query(ctx, `SELECT contact_key, category, action, source, seq, at FROM consent_state
		WHERE tenant_id = $1 AND contact_key = ANY($2) ORDER BY contact_key, category`, tenantID, keys)
	if err != nil {
		return nil, fmt.Errorf("postgres: consent states: %w", err)
	}
	defer rows.Close()
	out := map[string][]store.ConsentState{}
	for rows.Next() {
		var st store.ConsentState
		if err := rows.Scan(&st.ContactKey, &st.Category, &st.Action, &st.Source, &st.Seq, &st.At); err != nil {
			return nil, fmt.Errorf("postgres: consent states: %w", err)
		}
		st.At = utc(st.At)
		out[st.ContactKey] = append(out[st.ContactKey], st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: consent states: %w", err)
	}
	return out, nil
}

// CountContacts implements store.Contacts.
func (s *Store) CountContacts(ctx context.Context, tenantID string) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE tenant_id = $1`, tenantID).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count contacts: %w", err)
	}
	return n, nil
}

// DeleteContact implements store.Contacts.
func (s *Store) DeleteContact(ctx context.Context, tenantID, waID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM contacts WHERE tenant_id = $1 AND wa_id = $2`, tenantID, waID)
	if err != nil {
		return fmt.Errorf("postgres: delete contact: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete contact: %w", store.ErrNotFound)
	}
	return nil
}

const importUpsert = `INSERT INTO contact_imports (tenant_id, id, digest, state, lines, committed_line, created, merged, refused, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
	ON CONFLICT (tenant_id, id) DO UPDATE SET state = excluded.state, lines = excluded.lines, committed_line = excluded.committed_line,
		created = excluded.created, merged = excluded.merged, refused = excluded.refused, updated_at = excluded.updated_at`

func importArgs(imp store.ContactImport) []any {
	return []any{imp.TenantID, imp.ID, imp.Digest, imp.State, imp.Lines, imp.CommittedLine, imp.Created, imp.Merged, imp.Refused,
		msTime(imp.CreatedAt), msTime(imp.UpdatedAt)}
}

func queueImport(b *pgx.Batch, imp store.ContactImport) { b.Queue(importUpsert, importArgs(imp)...) }

// PutContactImport implements store.Contacts.
func (s *Store) PutContactImport(ctx context.Context, imp store.ContactImport) error {
	if _, err := s.pool.Exec(ctx, importUpsert, importArgs(imp)...); err != nil {
		return fmt.Errorf("postgres: put contact import: %w", err)
	}
	return nil
}

// ContactImportByDigest implements store.Contacts.
func (s *Store) ContactImportByDigest(ctx context.Context, tenantID, digest string) (store.ContactImport, error) {
	imp := store.ContactImport{TenantID: tenantID, Digest: digest}
	err := s.pool.QueryRow(ctx, `SELECT id, state, lines, committed_line, created, merged, refused, created_at, updated_at
		FROM contact_imports WHERE tenant_id = $1 AND digest = $2 AND state = 'committing' ORDER BY created_at DESC, id DESC LIMIT 1`,
		tenantID, digest).Scan(&imp.ID, &imp.State, &imp.Lines, &imp.CommittedLine, &imp.Created, &imp.Merged, &imp.Refused, &imp.CreatedAt, &imp.UpdatedAt)
	if err != nil {
		return store.ContactImport{}, notFound(err, "contact import")
	}
	imp.CreatedAt, imp.UpdatedAt = utc(imp.CreatedAt), utc(imp.UpdatedAt)
	return imp, nil
}

// PutAudience implements store.Contacts.
func (s *Store) PutAudience(ctx context.Context, a store.Audience) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO audiences (tenant_id, id, name, filter, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, filter = excluded.filter, updated_at = excluded.updated_at`,
		a.TenantID, a.ID, a.Name, string(a.Filter), msTime(a.CreatedAt), msTime(a.UpdatedAt))
	if err != nil {
		return fmt.Errorf("postgres: put audience: %w", err)
	}
	return nil
}

func scanAudience(r pgx.Row, tenantID string) (store.Audience, error) {
	a := store.Audience{TenantID: tenantID}
	var f string
	if err := r.Scan(&a.ID, &a.Name, &f, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	a.Filter, a.CreatedAt, a.UpdatedAt = []byte(f), utc(a.CreatedAt), utc(a.UpdatedAt)
	return a, nil
}

// GetAudience implements store.Contacts.
func (s *Store) GetAudience(ctx context.Context, tenantID, id string) (store.Audience, error) {
	a, err := scanAudience(s.pool.QueryRow(ctx, `SELECT id, name, filter, created_at, updated_at FROM audiences WHERE tenant_id = $1 AND id = $2`, tenantID, id), tenantID)
	if err != nil {
		return store.Audience{}, notFound(err, "get audience")
	}
	return a, nil
}

// ListAudiences implements store.Contacts.
func (s *Store) ListAudiences(ctx context.Context, tenantID string) ([]store.Audience, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, filter, created_at, updated_at FROM audiences WHERE tenant_id = $1 ORDER BY id COLLATE "C"`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list audiences: %w", err)
	}
	defer rows.Close()
	var out []store.Audience
	for rows.Next() {
		a, err := scanAudience(rows, tenantID)
		if err != nil {
			return nil, fmt.Errorf("postgres: list audiences: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list audiences: %w", err)
	}
	return out, nil
}

// DeleteAudience implements store.Contacts.
func (s *Store) DeleteAudience(ctx context.Context, tenantID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM audiences WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("postgres: delete audience: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete audience: %w", store.ErrNotFound)
	}
	return nil
}
