package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// ConsentKey returns the tenant's ledger key, storing fresh when it has none.
func (s *Store) ConsentKey(ctx context.Context, tenantID string, fresh []byte) ([]byte, error) {
	var key []byte
	err := s.r.QueryRowContext(ctx, `SELECT key FROM consent_keys WHERE tenant_id = ?`, tenantID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) && fresh == nil {
		return nil, fmt.Errorf("sqlite: consent key: %w", store.ErrNotFound)
	}
	if errors.Is(err, sql.ErrNoRows) {
		b, serr := store.SealString(s.sealer, string(fresh))
		if serr != nil {
			return nil, fmt.Errorf("sqlite: consent key: %w", serr)
		}
		if _, err := s.w.ExecContext(ctx, `INSERT INTO consent_keys (tenant_id, key, created_at) VALUES (?, ?, ?) ON CONFLICT (tenant_id) DO NOTHING`,
			tenantID, b, ms(time.Now())); err != nil {
			return nil, fmt.Errorf("sqlite: consent key: %w", err)
		}
		err = s.w.QueryRowContext(ctx, `SELECT key FROM consent_keys WHERE tenant_id = ?`, tenantID).Scan(&key)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: consent key: %w", err)
	}
	plain, err := store.OpenString(s.sealer, key)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consent key of %s: %w", tenantID, err)
	}
	return []byte(plain), nil
}

// AppendConsent appends one record. The single writer connection, which
// begins its transactions IMMEDIATE, serialises appends within a process,
// and SQLite's write lock across processes sharing the file.
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

// AppendConsents appends records in one transaction, all or none.
func (s *Store) AppendConsents(ctx context.Context, tenantID string, build func(store.ConsentHead) ([]store.ConsentAppend, error)) ([]store.ConsentRecord, error) {
	var recs []store.ConsentRecord
	err := s.tx(ctx, func(tx *sql.Tx) error {
		recs = recs[:0]
		var head store.ConsentHead
		err := tx.QueryRowContext(ctx, `SELECT seq, hash, mac FROM consent_heads WHERE tenant_id = ?`, tenantID).Scan(&head.Seq, &head.Hash, &head.MAC)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: consent head: %w", err)
		}
		as, err := build(head)
		if err != nil {
			return err
		}
		if len(as) == 0 {
			return nil
		}
		// One prepared statement per table for the whole batch: a bulk
		// import otherwise spends a fifth of its time parsing SQL.
		ins, err := tx.PrepareContext(ctx, `INSERT INTO consent_records
			(tenant_id, seq, at, contact_key, action, category, source, evidence_digest, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: append consent: %w", err)
		}
		defer ins.Close()
		pers, err := tx.PrepareContext(ctx, `INSERT INTO consent_personal (tenant_id, seq, contact_key, data) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: append consent personal data: %w", err)
		}
		defer pers.Close()
		state, err := tx.PrepareContext(ctx, `INSERT INTO consent_state (tenant_id, contact_key, category, action, source, seq, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, contact_key, category) DO UPDATE SET
				action = excluded.action, source = excluded.source, seq = excluded.seq, at = excluded.at`)
		if err != nil {
			return fmt.Errorf("sqlite: consent state: %w", err)
		}
		defer state.Close()
		prev := head
		for i, a := range as {
			r := a.Record
			if r.TenantID != tenantID || r.Seq != prev.Seq+1 || (i > 0 && r.PrevHash != prev.Hash) {
				return fmt.Errorf("sqlite: append consent: record %s/%d does not follow head %s/%d", r.TenantID, r.Seq, tenantID, prev.Seq)
			}
			if _, err := ins.ExecContext(ctx, r.TenantID, r.Seq, ms(r.At), r.ContactKey, r.Action, r.Category, r.Source,
				r.EvidenceDigest, r.PrevHash, r.Hash); err != nil {
				return fmt.Errorf("sqlite: append consent: %w", err)
			}
			if a.Erase {
				if _, err := tx.ExecContext(ctx, `DELETE FROM consent_personal WHERE tenant_id = ? AND contact_key = ?`, tenantID, r.ContactKey); err != nil {
					return fmt.Errorf("sqlite: erase consent personal data: %w", err)
				}
			}
			if a.Personal != nil {
				if _, err := pers.ExecContext(ctx, tenantID, r.Seq, r.ContactKey, a.Personal); err != nil {
					return fmt.Errorf("sqlite: append consent personal data: %w", err)
				}
			}
			if _, err := state.ExecContext(ctx, tenantID, r.ContactKey, r.Category, r.Action, r.Source, r.Seq, ms(r.At)); err != nil {
				return fmt.Errorf("sqlite: consent state: %w", err)
			}
			prev = store.ConsentHead{Seq: r.Seq, Hash: r.Hash, MAC: a.HeadMAC}
			recs = append(recs, r)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent_heads (tenant_id, seq, hash, mac) VALUES (?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac`,
			tenantID, prev.Seq, prev.Hash, prev.MAC); err != nil {
			return fmt.Errorf("sqlite: consent head: %w", err)
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
		WHERE r.tenant_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`, tenantID, afterSeq, limit)
}

// ConsentContactEntries returns a page of one contact's records with their
// personal data.
func (s *Store) ConsentContactEntries(ctx context.Context, tenantID, contactKey string, afterSeq int64, limit int) ([]store.ConsentEntry, error) {
	return s.consentEntries(ctx, tenantID, `SELECT r.seq, r.at, r.contact_key, r.action, r.category, r.source, r.evidence_digest, r.prev_hash, r.hash, p.data
		FROM consent_records r LEFT JOIN consent_personal p ON p.tenant_id = r.tenant_id AND p.seq = r.seq
		WHERE r.tenant_id = ? AND r.contact_key = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`, tenantID, contactKey, afterSeq, limit)
}

func (s *Store) consentEntries(ctx context.Context, tenantID, q string, args ...any) ([]store.ConsentEntry, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consent entries: %w", err)
	}
	defer rows.Close()
	var out []store.ConsentEntry
	for rows.Next() {
		e := store.ConsentEntry{ConsentRecord: store.ConsentRecord{TenantID: tenantID}}
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.ContactKey, &e.Action, &e.Category, &e.Source, &e.EvidenceDigest, &e.PrevHash, &e.Hash, &e.Personal); err != nil {
			return nil, fmt.Errorf("sqlite: consent entries: %w", err)
		}
		e.At = tm(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: consent entries: %w", err)
	}
	return out, nil
}

// ConsentHead returns the tenant's checkpoint (zero when none).
func (s *Store) ConsentHead(ctx context.Context, tenantID string) (store.ConsentHead, error) {
	var h store.ConsentHead
	err := s.r.QueryRowContext(ctx, `SELECT seq, hash, mac FROM consent_heads WHERE tenant_id = ?`, tenantID).Scan(&h.Seq, &h.Hash, &h.MAC)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return store.ConsentHead{}, fmt.Errorf("sqlite: consent head: %w", err)
	}
	return h, nil
}

// ConsentStates returns a contact's current state per category.
func (s *Store) ConsentStates(ctx context.Context, tenantID, contactKey string) ([]store.ConsentState, error) {
	st, err := s.read(ctx, `SELECT category, action, source, seq, at FROM consent_state
		WHERE tenant_id = ? AND contact_key = ? ORDER BY category`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consent states: %w", err)
	}
	rows, err := st.QueryContext(ctx, tenantID, contactKey)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consent states: %w", err)
	}
	defer rows.Close()
	var out []store.ConsentState
	for rows.Next() {
		st := store.ConsentState{ContactKey: contactKey}
		var at int64
		if err := rows.Scan(&st.Category, &st.Action, &st.Source, &st.Seq, &at); err != nil {
			return nil, fmt.Errorf("sqlite: consent states: %w", err)
		}
		st.At = tm(at)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: consent states: %w", err)
	}
	return out, nil
}

// ConsentTenants lists the tenants having a chain.
func (s *Store) ConsentTenants(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant_id FROM consent_heads WHERE seq > 0 UNION SELECT tenant_id FROM consent_records ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consent tenants: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: consent tenants: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: consent tenants: %w", err)
	}
	return out, nil
}

// ConsentAllStates returns every current state of a tenant.
func (s *Store) ConsentAllStates(ctx context.Context, tenantID string) ([]store.ConsentState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT contact_key, category, action, source, seq, at FROM consent_state
		WHERE tenant_id = ? ORDER BY contact_key, category`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consent states: %w", err)
	}
	defer rows.Close()
	var out []store.ConsentState
	for rows.Next() {
		var st store.ConsentState
		var at int64
		if err := rows.Scan(&st.ContactKey, &st.Category, &st.Action, &st.Source, &st.Seq, &at); err != nil {
			return nil, fmt.Errorf("sqlite: consent states: %w", err)
		}
		st.At = tm(at)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: consent states: %w", err)
	}
	return out, nil
}
