package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// PutSession stores a new dashboard session.
func (s *Store) PutSession(ctx context.Context, ss store.Session) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO ui_sessions (key_hash, user_id, csrf, created_at, seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		ss.KeyHash, ss.UserID, ss.CSRF, ss.CreatedAt, ss.SeenAt, ss.ExpiresAt)
	if err != nil {
		return fmt.Errorf("postgres: put session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: put session: %w", store.ErrExists)
	}
	return nil
}

// GetSession returns a live session by its key hash.
func (s *Store) GetSession(ctx context.Context, keyHash []byte, now time.Time) (store.Session, error) {
	ss := store.Session{KeyHash: keyHash}
	err := s.pool.QueryRow(ctx, `SELECT user_id, csrf, created_at, seen_at, expires_at FROM ui_sessions
		WHERE key_hash = $1 AND expires_at > $2`, keyHash, now).Scan(&ss.UserID, &ss.CSRF, &ss.CreatedAt, &ss.SeenAt, &ss.ExpiresAt)
	if err != nil {
		return store.Session{}, notFound(err, "get session")
	}
	ss.CreatedAt, ss.SeenAt, ss.ExpiresAt = utc(ss.CreatedAt), utc(ss.SeenAt), utc(ss.ExpiresAt)
	return ss, nil
}

// TouchSession records a session's use.
func (s *Store) TouchSession(ctx context.Context, keyHash []byte, seen, expires time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE ui_sessions SET seen_at = $1, expires_at = $2 WHERE key_hash = $3`, seen, expires, keyHash)
	if err != nil {
		return fmt.Errorf("postgres: touch session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: touch session: %w", store.ErrNotFound)
	}
	return nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, keyHash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM ui_sessions WHERE key_hash = $1`, keyHash); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions expired at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM ui_sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
