package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// seal and open keep secrets sealed at rest (see store.SealString).
func (s *Store) seal(plain string) ([]byte, error) {
	b, err := store.SealString(s.sealer, plain)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return b, nil
}

func (s *Store) open(sealed []byte) (string, error) {
	p, err := store.OpenString(s.sealer, sealed)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	return p, nil
}

// PutTenant inserts or replaces a tenant, sealing its webhook secret.
func (s *Store) PutTenant(ctx context.Context, t store.Tenant) error {
	sec, err := s.seal(t.WebhookSecret)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO tenants (id, name, webhook_url, webhook_secret, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, webhook_url = excluded.webhook_url,
			webhook_secret = excluded.webhook_secret, created_at = excluded.created_at`,
		t.ID, t.Name, t.WebhookURL, sec, ms(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: put tenant: %w", err)
	}
	return nil
}

const tenantCols = `t.id, t.name, t.webhook_url, t.webhook_secret, t.created_at`

func (s *Store) scanTenant(row interface{ Scan(...any) error }) (store.Tenant, error) {
	var t store.Tenant
	var sec []byte
	var created int64
	if err := row.Scan(&t.ID, &t.Name, &t.WebhookURL, &sec, &created); err != nil {
		return t, err
	}
	t.CreatedAt = tm(created)
	var err error
	t.WebhookSecret, err = s.open(sec)
	return t, err
}

// GetTenant returns a tenant by id.
func (s *Store) GetTenant(ctx context.Context, id string) (store.Tenant, error) {
	t, err := s.scanTenant(s.r.QueryRowContext(ctx, `SELECT `+tenantCols+` FROM tenants t WHERE t.id = ?`, id))
	if err != nil {
		return t, notFound("get tenant", err)
	}
	return t, nil
}

// ListTenants returns every tenant ordered by id.
func (s *Store) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+tenantCols+` FROM tenants t ORDER BY t.id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tenants: %w", err)
	}
	defer rows.Close()
	var out []store.Tenant
	for rows.Next() {
		t, err := s.scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list tenants: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list tenants: %w", err)
	}
	return out, nil
}

// PutAPIKey stores the hash of an API key.
func (s *Store) PutAPIKey(ctx context.Context, k store.APIKey) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO api_keys (id, tenant_id, hash, created_at, revoked_at,
			source, expires_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, hash = excluded.hash,
			created_at = excluded.created_at, revoked_at = excluded.revoked_at, source = excluded.source,
			expires_at = excluded.expires_at, last_used_at = excluded.last_used_at`,
		k.ID, k.TenantID, k.Hash, ms(k.CreatedAt), ms(k.RevokedAt),
		string(store.KeySourceOrDefault(k.Source)), ms(k.ExpiresAt), ms(k.LastUsedAt))
	if err != nil {
		return fmt.Errorf("sqlite: put api key: %w", err)
	}
	return nil
}

// TenantByKeyHash finds the tenant owning an unrevoked key with this hash.
func (s *Store) TenantByKeyHash(ctx context.Context, hash []byte) (store.Tenant, error) {
	t, err := s.scanTenant(s.r.QueryRowContext(ctx, `SELECT `+tenantCols+`
		FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
		WHERE k.hash = ? AND k.revoked_at = 0`, hash))
	if err != nil {
		return t, notFound("tenant by key", err)
	}
	return t, nil
}

// RevokeAPIKey marks a key unusable; revoking twice keeps the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE api_keys
		SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?`,
		time.Now().UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke api key: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: revoke api key %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// PutSender inserts or replaces a sender, sealing its access token. An
// empty State is stored as active. A sender cannot join a WABA whose other
// senders belong to another tenant (a *store.WABAOwnerError).
func (s *Store) PutSender(ctx context.Context, x store.Sender) error {
	tok, err := s.seal(x.AccessToken)
	if err != nil {
		return err
	}
	state := x.State
	if state == "" {
		state = store.SenderActive
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		// The check and the write share the one write transaction, so two
		// tenants cannot both claim a WABA.
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT tenant_id FROM senders
			WHERE waba_id = ? AND tenant_id <> ? AND phone_number_id <> ? LIMIT 1`,
			x.WABAID, x.TenantID, x.PhoneNumberID).Scan(&owner)
		if err == nil {
			return &store.WABAOwnerError{PhoneNumberID: x.PhoneNumberID, WABAID: x.WABAID, Tenant: x.TenantID, Owner: owner}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: put sender: owner of WABA: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO senders (phone_number_id, tenant_id, waba_id, display_phone_number,
			throughput_mps, access_token, state, state_code, state_reason, state_changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (phone_number_id) DO UPDATE SET tenant_id = excluded.tenant_id, waba_id = excluded.waba_id,
			display_phone_number = excluded.display_phone_number, throughput_mps = excluded.throughput_mps,
			access_token = excluded.access_token, state = excluded.state, state_code = excluded.state_code,
			state_reason = excluded.state_reason, state_changed_at = excluded.state_changed_at`,
			x.PhoneNumberID, x.TenantID, x.WABAID, x.DisplayPhoneNumber, x.ThroughputMPS, tok,
			string(state), x.StateCode, x.StateReason, ms(x.StateChangedAt))
		if err != nil {
			return fmt.Errorf("sqlite: put sender: %w", err)
		}
		return nil
	})
}

const senderCols = `phone_number_id, tenant_id, waba_id, display_phone_number, throughput_mps,
	access_token, state, state_code, state_reason, state_changed_at`

func (s *Store) scanSender(row interface{ Scan(...any) error }) (store.Sender, error) {
	var x store.Sender
	var tok []byte
	var state string
	var changed int64
	if err := row.Scan(&x.PhoneNumberID, &x.TenantID, &x.WABAID, &x.DisplayPhoneNumber, &x.ThroughputMPS,
		&tok, &state, &x.StateCode, &x.StateReason, &changed); err != nil {
		return x, err
	}
	x.State = store.SenderState(state)
	x.StateChangedAt = tm(changed)
	var err error
	x.AccessToken, err = s.open(tok)
	return x, err
}

// GetSender returns a sender by phone number id.
func (s *Store) GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error) {
	x, err := s.scanSender(s.r.QueryRowContext(ctx, `SELECT `+senderCols+` FROM senders WHERE phone_number_id = ?`, phoneNumberID))
	if err != nil {
		return x, notFound("get sender", err)
	}
	return x, nil
}

func (s *Store) listSenders(ctx context.Context, query string, args ...any) ([]store.Sender, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list senders: %w", err)
	}
	defer rows.Close()
	var out []store.Sender
	for rows.Next() {
		x, err := s.scanSender(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list senders: %w", err)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list senders: %w", err)
	}
	return out, nil
}

// ListSenders returns every sender ordered by phone number id.
func (s *Store) ListSenders(ctx context.Context) ([]store.Sender, error) {
	return s.listSenders(ctx, `SELECT `+senderCols+` FROM senders ORDER BY phone_number_id`)
}

// SendersByWABA returns the senders of one WABA ordered by phone number id.
func (s *Store) SendersByWABA(ctx context.Context, wabaID string) ([]store.Sender, error) {
	return s.listSenders(ctx, `SELECT `+senderCols+` FROM senders WHERE waba_id = ? ORDER BY phone_number_id`, wabaID)
}

// SetSenderState stops or resumes a sender.
func (s *Store) SetSenderState(ctx context.Context, phoneNumberID string, state store.SenderState, code int, reason string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE senders SET state = ?, state_code = ?, state_reason = ?, state_changed_at = ?
		WHERE phone_number_id = ?`, string(state), code, reason, ms(at), phoneNumberID)
	if err != nil {
		return fmt.Errorf("sqlite: set sender state: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: set sender state %s: %w", phoneNumberID, store.ErrNotFound)
	}
	return nil
}
