package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// ConsentKey returns the tenant's ledger key, storing fresh when it has none.
func (s *Store) ConsentKey(ctx context.Context, tenantID string, fresh []byte) ([]byte, error) {
	if fresh != nil {
		b, err := s.seal(string(fresh))
		if err != nil {
			return nil, err
		}
		// The first key stored wins; every replica then reads that one.
		if _, err := s.pool.Exec(ctx, `INSERT INTO consent_keys (tenant_id, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO NOTHING`,
			tenantID, b, time.Now().UTC()); err != nil {
			return nil, fmt.Errorf("postgres: consent key: %w", err)
		}
	}
	var key []byte
	if err := s.pool.QueryRow(ctx, `SELECT key FROM consent_keys WHERE tenant_id = $1`, tenantID).Scan(&key); err != nil {
		return nil, notFound(err, "consent key")
	}
	plain, err := s.open(key)
	if err != nil {
		return nil, fmt.Errorf("postgres: consent key of %s: %w", tenantID, err)
	}
	return []byte(plain), nil
}

// AppendConsent appends one record. The tenant's head row, locked FOR
// UPDATE for the whole transaction, serialises appends of one tenant
// across every connection and replica; tenants do not wait for each other.
func (s *Store) AppendConsent(ctx context.Context, tenantID string, build func(store.ConsentHead) (store.ConsentAppend, error)) (store.ConsentRecord, error) {
	recs, err := s.AppendConsents(ctx, tenantID, func(h store.ConsentHead) ([]store.ConsentAppend, error) {
		a, err := build(h)
		return []store.ConsentAppend{a}, err
	})
	if err != nil {
		return store.ConsentRecord{}, err
	}
	return recs[0], nil
}

// AppendConsents appends records in one transaction, all or none, under
// the same head lock as AppendConsent.
func (s *Store) AppendConsents(ctx context.Context, tenantID string, build func(store.ConsentHead) ([]store.ConsentAppend, error)) ([]store.ConsentRecord, error) {
	var recs []store.ConsentRecord
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		recs = recs[:0]
		// An empty chain gets a zero head first, so that the first two
		// appends of a tenant also meet on one row lock.
		if _, err := tx.Exec(ctx, `INSERT INTO consent_heads (tenant_id, seq, hash, mac) VALUES ($1, 0, '', '') ON CONFLICT (tenant_id) DO NOTHING`, tenantID); err != nil {
			return fmt.Errorf("postgres: consent head: %w", err)
		}
		var head store.ConsentHead
		if err := tx.QueryRow(ctx, `SELECT seq, hash, mac FROM consent_heads WHERE tenant_id = $1 FOR UPDATE`, tenantID).
			Scan(&head.Seq, &head.Hash, &head.MAC); err != nil {
			return fmt.Errorf("postgres: consent head: %w", err)
		}
		as, err := build(head)
		if err != nil {
			return err
		}
		if len(as) == 0 {
			return nil
		}
		// The whole batch goes in one round trip: a bulk import of
		// thousands of records otherwise waits on the network per row.
		b := &pgx.Batch{}
		prev := head
		for i, a := range as {
			r := a.Record
			if r.TenantID != tenantID || r.Seq != prev.Seq+1 || (i > 0 && r.PrevHash != prev.Hash) {
				return fmt.Errorf("postgres: append consent: record %s/%d does not follow head %s/%d", r.TenantID, r.Seq, tenantID, prev.Seq)
			}
			b.Queue(`INSERT INTO consent_records
				(tenant_id, seq, at, contact_key, action, category, source, evidence_digest, prev_hash, hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				r.TenantID, r.Seq, r.At.UTC(), r.ContactKey, r.Action, r.Category, r.Source, r.EvidenceDigest, r.PrevHash, r.Hash)
			if a.Erase {
				b.Queue(`DELETE FROM consent_personal WHERE tenant_id = $1 AND contact_key = $2`, tenantID, r.ContactKey)
			}
			if a.Personal != nil {
				b.Queue(`INSERT INTO consent_personal (tenant_id, seq, contact_key, data) VALUES ($1, $2, $3, $4)`,
					tenantID, r.Seq, r.ContactKey, a.Personal)
			}
			b.Queue(`INSERT INTO consent_state (tenant_id, contact_key, category, action, source, seq, at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (tenant_id, contact_key, category) DO UPDATE SET
					action = excluded.action, source = excluded.source, seq = excluded.seq, at = excluded.at`,
				tenantID, r.ContactKey, r.Category, r.Action, r.Source, r.Seq, r.At.UTC())
			prev = store.ConsentHead{Seq: r.Seq, Hash: r.Hash, MAC: a.HeadMAC}
			recs = append(recs, r)
		}
		b.Queue(`UPDATE consent_heads SET seq = $2, hash = $3, mac = $4 WHERE tenant_id = $1`,
			tenantID, prev.Seq, prev.Hash, prev.MAC)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("postgres: append consent: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// ConsentEntries returns a page of a tenant's chain with its personal data.
func (s *Store) ConsentEntries(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]store.ConsentEntry, error) {
	return s.consentEntries(ctx, tenantID, `SELECT r.seq, r.at, r.contact_key, r.action, r.category, r.source, r.evidence_digest, r.prev_hash, r.hash, p.data
		FROM consent_records r LEFT JOIN consent_personal p ON p.tenant_id = r.tenant_id AND p.seq = r.seq
		WHERE r.tenant_id = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3`, tenantID, afterSeq, limit)
}

// ConsentContactEntries returns a page of one contact's records with their
// personal data.
func (s *Store) ConsentContactEntries(ctx context.Context, tenantID, contactKey string, afterSeq int64, limit int) ([]store.ConsentEntry, error) {
	return s.consentEntries(ctx, tenantID, `SELECT r.seq, r.at, r.contact_key, r.action, r.category, r.source, r.evidence_digest, r.prev_hash, r.hash, p.data
		FROM consent_records r LEFT JOIN consent_personal p ON p.tenant_id = r.tenant_id AND p.seq = r.seq
		WHERE r.tenant_id = $1 AND r.contact_key = $2 AND r.seq > $3 ORDER BY r.seq LIMIT $4`, tenantID, contactKey, afterSeq, limit)
}

func (s *Store) consentEntries(ctx context.Context, tenantID, q string, args ...any) ([]store.ConsentEntry, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: consent entries: %w", err)
	}
	defer rows.Close()
	var out []store.ConsentEntry
	for rows.Next() {
		e := store.ConsentEntry{ConsentRecord: store.ConsentRecord{TenantID: tenantID}}
		if err := rows.Scan(&e.Seq, &e.At, &e.ContactKey, &e.Action, &e.Category, &e.Source, &e.EvidenceDigest, &e.PrevHash, &e.Hash, &e.Personal); err != nil {
			return nil, fmt.Errorf("postgres: consent entries: %w", err)
		}
		e.At = utc(e.At)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: consent entries: %w", err)
	}
	return out, nil
}

// ConsentHead returns the tenant's checkpoint (zero when none).
func (s *Store) ConsentHead(ctx context.Context, tenantID string) (store.ConsentHead, error) {
	var h store.ConsentHead
	err := s.pool.QueryRow(ctx, `SELECT seq, hash, mac FROM consent_heads WHERE tenant_id = $1`, tenantID).Scan(&h.Seq, &h.Hash, &h.MAC)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return store.ConsentHead{}, fmt.Errorf("postgres: consent head: %w", err)
	}
	return h, nil
}

// ConsentStates returns a contact's current state per category.
func (s *Store) ConsentStates(ctx context.Context, tenantID, contactKey string) ([]store.ConsentState, error) {
	rows, err := s.pool.Query(ctx, `SELECT category, action, source, seq, at FROM consent_state
		WHERE tenant_id = $1 AND contact_key = $2 ORDER BY category`, tenantID, contactKey)
	if err != nil {
		return nil, fmt.Errorf("postgres: consent states: %w", err)
	}
	defer rows.Close()
	var out []store.ConsentState
	for rows.Next() {
		st := store.ConsentState{ContactKey: contactKey}
		if err := rows.Scan(&st.Category, &st.Action, &st.Source, &st.Seq, &st.At); err != nil {
			return nil, fmt.Errorf("postgres: consent states: %w", err)
		}
		st.At = utc(st.At)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: consent states: %w", err)
	}
	return out, nil
}

// ConsentTenants lists the tenants having a chain or a head.
func (s *Store) ConsentTenants(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT tenant_id FROM consent_heads WHERE seq > 0 UNION SELECT tenant_id FROM consent_records ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("postgres: consent tenants: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("postgres: consent tenants: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: consent tenants: %w", err)
	}
	return out, nil
}

// ConsentAllStates returns every current state of a tenant.
func (s *Store) ConsentAllStates(ctx context.Context, tenantID string) ([]store.ConsentState, error) {
	rows, err := s.pool.Query(ctx, `SELECT contact_key, category, action, source, seq, at FROM consent_state
		WHERE tenant_id = $1 ORDER BY contact_key, category`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: consent states: %w", err)
	}
	defer rows.Close()
	var out []store.ConsentState
	for rows.Next() {
		var st store.ConsentState
		if err := rows.Scan(&st.ContactKey, &st.Category, &st.Action, &st.Source, &st.Seq, &st.At); err != nil {
			return nil, fmt.Errorf("postgres: consent states: %w", err)
		}
		st.At = utc(st.At)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: consent states: %w", err)
	}
	return out, nil
}
