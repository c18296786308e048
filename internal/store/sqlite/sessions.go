package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutSession stores a new dashboard session.
func (s *Store) PutSession(ctx context.Context, ss store.Session) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO ui_sessions (key_hash, user_id, csrf, created_at, seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		ss.KeyHash, ss.UserID, ss.CSRF, ms(ss.CreatedAt), ms(ss.SeenAt), ms(ss.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: put session: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: put session: %w", store.ErrExists)
	}
	return nil
}

// GetSession returns a live session by its key hash.
func (s *Store) GetSession(ctx context.Context, keyHash []byte, now time.Time) (store.Session, error) {
	ss := store.Session{KeyHash: keyHash}
	var created, seen, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT user_id, csrf, created_at, seen_at, expires_at FROM ui_sessions
		WHERE key_hash = ? AND expires_at > ?`, keyHash, ms(now)).Scan(&ss.UserID, &ss.CSRF, &created, &seen, &expires)
	if err != nil {
		return store.Session{}, notFound("get session", err)
	}
	ss.CreatedAt, ss.SeenAt, ss.ExpiresAt = tm(created), tm(seen), tm(expires)
	return ss, nil
}

// TouchSession records a session's use.
func (s *Store) TouchSession(ctx context.Context, keyHash []byte, seen, expires time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE ui_sessions SET seen_at = ?, expires_at = ? WHERE key_hash = ?`,
		ms(seen), ms(expires), keyHash)
	if err != nil {
		return fmt.Errorf("sqlite: touch session: %w", err)
	}
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: touch session: %w", store.ErrNotFound)
	}
	return nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, keyHash []byte) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM ui_sessions WHERE key_hash = ?`, keyHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions expired at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM ui_sessions WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return rowsAffected(res)
}
