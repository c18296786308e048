package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
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
	// maxSessions bounds the sessions kept, so a flood of log-in forms
	// cannot fill memory; the oldest anonymous ones go first.
	maxSessions = 20000
)

// session is one browser's state on the server. The cookie carries only
// its random id; the map is keyed by the id's SHA-256, so a dump of memory
// or a timing leak on the map does not give out live cookies.
type session struct {
	key     [32]byte
	user    store.User // zero for an anonymous session
	csrf    string
	created time.Time
	seen    time.Time
}

func (s *session) anonymous() bool { return s.user.ID == "" }

// sessions is the server-side session table, in memory: a restart logs
// everyone out, and behind several replicas the balancer must keep a
// browser on one replica (see docs/dashboard.md).
type sessions struct {
	idle, maxAge time.Duration
	now          func() time.Time

	mu sync.Mutex
	m  map[[32]byte]*session
}

func newSessions(idle, maxAge time.Duration, now func() time.Time) *sessions {
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	return &sessions{idle: idle, maxAge: maxAge, now: now, m: make(map[[32]byte]*session)}
}

// randomToken is 32 bytes from the system's CSPRNG, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// create starts a session for user (zero for anonymous) and returns the
// cookie's value.
func (ss *sessions) create(user store.User) (string, *session) {
	id := randomToken()
	now := ss.now()
	s := &session{key: hashID(id), user: user, csrf: randomToken(), created: now, seen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.m) >= maxSessions {
		ss.sweepLocked(now)
	}
	if len(ss.m) >= maxSessions {
		var oldest *session
		for _, o := range ss.m {
			if o.anonymous() && (oldest == nil || o.created.Before(oldest.created)) {
				oldest = o
			}
		}
		if oldest != nil {
			delete(ss.m, oldest.key)
		}
	}
	ss.m[s.key] = s
	return id, s
}

func (ss *sessions) expired(s *session, now time.Time) bool {
	if s.anonymous() {
		return now.Sub(s.created) >= anonTTL
	}
	return now.Sub(s.seen) >= ss.idle || now.Sub(s.created) >= ss.maxAge
}

// get returns the live session of a cookie value and marks it used, or
// nil.
func (ss *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	k := hashID(id)
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[k]
	if !ok {
		return nil
	}
	if ss.expired(s, now) {
		delete(ss.m, k)
		return nil
	}
	s.seen = now
	cp := *s
	return &cp
}

// end removes a session.
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	delete(ss.m, hashID(id))
	ss.mu.Unlock()
}

func (ss *sessions) sweepLocked(now time.Time) {
	for k, s := range ss.m {
		if ss.expired(s, now) {
			delete(ss.m, k)
		}
	}
}

// len counts the sessions held (expired ones not yet swept included).
func (ss *sessions) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.m)
}
