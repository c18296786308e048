package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutTenant inserts or replaces a tenant, sealing its webhook secret.
func (s *Store) PutTenant(ctx context.Context, t store.Tenant) error {
	secret, err := s.seal(t.WebhookSecret)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO tenants (id, name, webhook_url, webhook_secret, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, webhook_url = excluded.webhook_url,
			webhook_secret = excluded.webhook_secret, created_at = excluded.created_at`,
		t.ID, t.Name, t.WebhookURL, secret, t.CreatedAt)
	if err != nil {
		return fmt.Errorf("postgres: put tenant: %w", err)
	}
	return nil
}

const tenantCols = `t.id, t.name, t.webhook_url, t.webhook_secret, t.created_at`

func (s *Store) scanTenant(row pgx.Row) (store.Tenant, error) {
	var t store.Tenant
	var secret []byte
	if err := row.Scan(&t.ID, &t.Name, &t.WebhookURL, &secret, &t.CreatedAt); err != nil {
		return store.Tenant{}, err
	}
	t.CreatedAt = utc(t.CreatedAt)
	var err error
	if t.WebhookSecret, err = s.open(secret); err != nil {
		return store.Tenant{}, err
	}
	return t, nil
}

// GetTenant returns a tenant by id.
func (s *Store) GetTenant(ctx context.Context, id string) (store.Tenant, error) {
	t, err := s.scanTenant(s.pool.QueryRow(ctx, `SELECT `+tenantCols+` FROM tenants t WHERE t.id = $1`, id))
	if err != nil {
		return store.Tenant{}, notFound(err, "get tenant")
	}
	return t, nil
}

// ListTenants returns every tenant, by id.
func (s *Store) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tenantCols+` FROM tenants t ORDER BY t.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list tenants: %w", err)
	}
	defer rows.Close()
	var out []store.Tenant
	for rows.Next() {
		t, err := s.scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list tenants: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list tenants: %w", err)
	}
	return out, nil
}

// PutAPIKey stores (or replaces) the hash of an API key.
func (s *Store) PutAPIKey(ctx context.Context, k store.APIKey) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO api_keys (id, tenant_id, hash, created_at, revoked_at, source, expires_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, hash = excluded.hash,
			created_at = excluded.created_at, revoked_at = excluded.revoked_at, source = excluded.source,
			expires_at = excluded.expires_at, last_used_at = excluded.last_used_at`,
		k.ID, k.TenantID, k.Hash, k.CreatedAt, nullTime(k.RevokedAt),
		string(store.KeySourceOrDefault(k.Source)), nullTime(k.ExpiresAt), nullTime(k.LastUsedAt))
	if err != nil {
		return fmt.Errorf("postgres: put api key: %w", err)
	}
	return nil
}

// TenantByKeyHash finds the tenant owning an unrevoked key with this hash.
func (s *Store) TenantByKeyHash(ctx context.Context, hash []byte) (store.Tenant, error) {
	t, err := s.scanTenant(s.pool.QueryRow(ctx, `
		SELECT `+tenantCols+` FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
		WHERE k.hash = $1 AND k.revoked_at IS NULL`, hash))
	if err != nil {
		return store.Tenant{}, notFound(err, "tenant by key")
	}
	return t, nil
}

// RevokeAPIKey marks a key unusable; revoking twice keeps the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: revoke api key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: revoke api key %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// PutSender inserts or replaces a sender, sealing its access token. A
// sender cannot join a WABA whose other senders belong to another tenant (a
// *store.WABAOwnerError).
func (s *Store) PutSender(ctx context.Context, sn store.Sender) error {
	token, err := s.seal(sn.AccessToken)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		// Replicas may write senders at once: the lock per WABA makes the
		// check and the write one step, so two tenants cannot both claim it.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('waba:' || $1, 0))`, sn.WABAID); err != nil {
			return fmt.Errorf("postgres: put sender: lock WABA: %w", err)
		}
		var owner string
		err := tx.QueryRow(ctx, `SELECT tenant_id FROM senders
			WHERE waba_id = $1 AND tenant_id <> $2 AND phone_number_id <> $3 LIMIT 1`,
			sn.WABAID, sn.TenantID, sn.PhoneNumberID).Scan(&owner)
		if err == nil {
			return &store.WABAOwnerError{PhoneNumberID: sn.PhoneNumberID, WABAID: sn.WABAID, Tenant: sn.TenantID, Owner: owner}
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: put sender: owner of WABA: %w", err)
		}
		_, err = tx.Exec(ctx, `
		INSERT INTO senders (phone_number_id, tenant_id, waba_id, display_phone_number, throughput_mps,
			access_token, state, state_code, state_reason, state_changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (phone_number_id) DO UPDATE SET tenant_id = excluded.tenant_id,
			waba_id = excluded.waba_id, display_phone_number = excluded.display_phone_number,
			throughput_mps = excluded.throughput_mps, access_token = excluded.access_token,
			state = excluded.state, state_code = excluded.state_code,
			state_reason = excluded.state_reason, state_changed_at = excluded.state_changed_at`,
			sn.PhoneNumberID, sn.TenantID, sn.WABAID, sn.DisplayPhoneNumber, sn.ThroughputMPS,
			token, string(sn.State), sn.StateCode, sn.StateReason, nullTime(sn.StateChangedAt))
		if err != nil {
			return fmt.Errorf("postgres: put sender: %w", err)
		}
		return nil
	})
}

const senderCols = `phone_number_id, tenant_id, waba_id, display_phone_number, throughput_mps,
	access_token, state, state_code, state_reason, state_changed_at`

func (s *Store) scanSender(row pgx.Row) (store.Sender, error) {
	var sn store.Sender
	var token []byte
	var state string
	var changed pgtype.Timestamptz
	if err := row.Scan(&sn.PhoneNumberID, &sn.TenantID, &sn.WABAID, &sn.DisplayPhoneNumber,
		&sn.ThroughputMPS, &token, &state, &sn.StateCode, &sn.StateReason, &changed); err != nil {
		return store.Sender{}, err
	}
	sn.State = store.SenderState(state)
	sn.StateChangedAt = fromNull(changed)
	var err error
	if sn.AccessToken, err = s.open(token); err != nil {
		return store.Sender{}, err
	}
	return sn, nil
}

func (s *Store) querySenders(ctx context.Context, what, sql string, args ...any) ([]store.Sender, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer rows.Close()
	var out []store.Sender
	for rows.Next() {
		sn, err := s.scanSender(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", what, err)
		}
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return out, nil
}

// GetSender returns a sender by phone number id.
func (s *Store) GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error) {
	sn, err := s.scanSender(s.pool.QueryRow(ctx,
		`SELECT `+senderCols+` FROM senders WHERE phone_number_id = $1`, phoneNumberID))
	if err != nil {
		return store.Sender{}, notFound(err, "get sender")
	}
	return sn, nil
}

// ListSenders returns every sender, by phone number id.
func (s *Store) ListSenders(ctx context.Context) ([]store.Sender, error) {
	return s.querySenders(ctx, "list senders", `SELECT `+senderCols+` FROM senders ORDER BY phone_number_id`)
}

// SendersByWABA lists the senders of a WhatsApp Business Account.
func (s *Store) SendersByWABA(ctx context.Context, wabaID string) ([]store.Sender, error) {
	return s.querySenders(ctx, "senders by waba",
		`SELECT `+senderCols+` FROM senders WHERE waba_id = $1 ORDER BY phone_number_id`, wabaID)
}

// SetSenderState stops or resumes a sender's dispatch, recording why.
func (s *Store) SetSenderState(ctx context.Context, phoneNumberID string, state store.SenderState, code int, reason string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE senders SET state = $2, state_code = $3, state_reason = $4, state_changed_at = $5
		WHERE phone_number_id = $1`, phoneNumberID, string(state), code, reason, nullTime(at))
	if err != nil {
		return fmt.Errorf("postgres: set sender state: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: set sender state %q: %w", phoneNumberID, store.ErrNotFound)
	}
	return nil
}
