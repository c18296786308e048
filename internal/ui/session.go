package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// Session lifetimes: a session ends after IdleTimeout without a request,
// and after MaxAge whatever happens; an anonymous one (the log-in form's,
// which only holds its CSRF token) after anonTTL.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxAge      = 12 * time.Hour
	anonTTL            = 15 * time.Minute
	// touchEvery bounds the writes a busy session costs: its use is
	// recorded at most once a minute, so the idle timeout is exact to a
	// minute.
	touchEvery = time.Minute
	// sweepEvery is how often expired sessions are deleted (at a log-in
	// form or a log-in, whichever comes first).
	sweepEvery = time.Minute
)

// SessionStore is where sessions are kept: in the gateway's store, so a
// restart or another replica keeps users logged in.
type SessionStore interface {
	PutSession(ctx context.Context, s store.Session) error
	GetSession(ctx context.Context, keyHash []byte, now time.Time) (store.Session, error)
	TouchSession(ctx context.Context, keyHash []byte, seen, expires time.Time) error
	DeleteSession(ctx context.Context, keyHash []byte) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
	// GetUser reads the session's user at every request, so a changed
	// role or a removed user takes effect at once.
	GetUser(ctx context.Context, id string) (store.User, error)
}

// session is one browser's state on the server. The cookie carries only
// its random token; the store keeps the token's SHA-256, so a copy of the
// database does not give out live cookies.
type session struct {
	key     [32]byte
	user    store.User // zero for an anonymous session
	csrf    string
	created time.Time
	seen    time.Time
}

func (s *session) anonymous() bool { return s.user.ID == "" }

// sessions is the server-side session table, kept in the store.
type sessions struct {
	st           SessionStore
	idle, maxAge time.Duration
	now          func() time.Time

	mu        sync.Mutex
	lastSweep time.Time
}

func newSessions(st SessionStore, idle, maxAge time.Duration, now func() time.Time) *sessions {
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	return &sessions{st: st, idle: idle, maxAge: maxAge, now: now}
}

// randomToken is 32 bytes from the system's CSPRNG, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// expiry is when a session seen at seen ends unless used again.
func (ss *sessions) expiry(anonymous bool, created, seen time.Time) time.Time {
	if anonymous {
		return created.Add(anonTTL)
	}
	end := seen.Add(ss.idle)
	if last := created.Add(ss.maxAge); last.Before(end) {
		end = last
	}
	return end
}

// create starts a session for user (zero for anonymous) and returns the
// cookie's value.
func (ss *sessions) create(ctx context.Context, user store.User) (string, *session, error) {
	ss.sweep(ctx)
	id := randomToken()
	now := ss.now()
	s := &session{key: hashID(id), user: user, csrf: randomToken(), created: now, seen: now}
	err := ss.st.PutSession(ctx, store.Session{KeyHash: s.key[:], UserID: user.ID, CSRF: s.csrf,
		CreatedAt: now, SeenAt: now, ExpiresAt: ss.expiry(s.anonymous(), now, now)})
	if err != nil {
		return "", nil, fmt.Errorf("ui: create session: %w", err)
	}
	return id, s, nil
}

// sweep deletes expired sessions, at most once per sweepEvery.
func (ss *sessions) sweep(ctx context.Context) {
	now := ss.now()
	ss.mu.Lock()
	due := now.Sub(ss.lastSweep) >= sweepEvery
	if due {
		ss.lastSweep = now
	}
	ss.mu.Unlock()
	if due {
		// Best effort: a failed sweep leaves expired rows that GetSession
		// ignores anyway, and the next one removes them.
		_, _ = ss.st.DeleteExpiredSessions(ctx, now)
	}
}

// get returns the live session of a cookie value and records its use, or
// nil when there is none (unknown, expired, or its user is gone).
func (ss *sessions) get(ctx context.Context, id string) (*session, error) {
	if id == "" {
		return nil, nil
	}
	k := hashID(id)
	now := ss.now()
	row, err := ss.st.GetSession(ctx, k[:], now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ui: get session: %w", err)
	}
	s := &session{key: k, csrf: row.CSRF, created: row.CreatedAt, seen: row.SeenAt}
	if row.UserID != "" {
		u, err := ss.st.GetUser(ctx, row.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ss.st.DeleteSession(ctx, k[:])
		}
		if err != nil {
			return nil, fmt.Errorf("ui: session user: %w", err)
		}
		s.user = u
	}
	if !s.anonymous() && now.Sub(row.SeenAt) >= touchEvery {
		err := ss.st.TouchSession(ctx, k[:], now, ss.expiry(false, row.CreatedAt, now))
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil // ended meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("ui: touch session: %w", err)
		}
		s.seen = now
	}
	return s, nil
}

// end removes a session.
func (ss *sessions) end(ctx context.Context, id string) error {
	k := hashID(id)
	if err := ss.st.DeleteSession(ctx, k[:]); err != nil {
		return fmt.Errorf("ui: end session: %w", err)
	}
	return nil
}
