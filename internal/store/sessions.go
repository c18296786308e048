package store

import (
	"context"
	"time"
)

// Session is a dashboard log-in kept on the server, so that a restart or
// another replica keeps the browser logged in. The cookie's token itself is
// never stored: KeyHash is its SHA-256.
type Session struct {
	KeyHash []byte
	// UserID is empty for an anonymous session (the log-in form's, which
	// only holds its CSRF token).
	UserID string
	// CSRF is the session's synchronizer token, which every form posts.
	CSRF      string
	CreatedAt time.Time
	SeenAt    time.Time
	// ExpiresAt is when the session ends unless it is used again (the
	// dashboard moves it on use, never past its maximum age).
	ExpiresAt time.Time
}

// Sessions holds the dashboard's sessions.
type Sessions interface {
	// PutSession stores a new session; ErrExists when its key is taken.
	PutSession(ctx context.Context, s Session) error
	// GetSession returns the session with this key hash that has not
	// expired at now (ErrNotFound otherwise).
	GetSession(ctx context.Context, keyHash []byte, now time.Time) (Session, error)
	// TouchSession records a use: SeenAt and ExpiresAt move to the values
	// given (ErrNotFound when the session is gone).
	TouchSession(ctx context.Context, keyHash []byte, seen, expires time.Time) error
	// DeleteSession ends a session; ending one already gone is no error.
	DeleteSession(ctx context.Context, keyHash []byte) error
	// DeleteExpiredSessions removes the sessions expired at now and
	// reports how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}
