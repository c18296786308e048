package ui

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestSessionLifetimes(t *testing.T) {
	user := store.User{ID: "u1", TenantID: "t1", Email: "ana@acme.example", Role: store.RoleAdmin}
	cases := []struct {
		name  string
		user  store.User
		steps []time.Duration // requests after these pauses
		alive bool
	}{
		{"used within the idle timeout", user, []time.Duration{29 * time.Minute, 29 * time.Minute, 29 * time.Minute}, true},
		{"idle too long", user, []time.Duration{30 * time.Minute}, false},
		{"kept busy past the maximum age", user, repeat(25, 29*time.Minute), false},
		{"busy just under the maximum age", user, repeat(24, 29*time.Minute), true},
		{"anonymous within its lifetime", store.User{}, []time.Duration{14 * time.Minute}, true},
		{"anonymous past its lifetime even when used", store.User{}, []time.Duration{10 * time.Minute, 5 * time.Minute}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := sqlitetest.Open(t)
			ctx := t.Context()
			if tc.user.ID != "" {
				must(t, st.CreateUser(ctx, tc.user))
			}
			c := &clock{t: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
			ss := newSessions(st, 30*time.Minute, 12*time.Hour, c.now)
			id, created, err := ss.create(ctx, tc.user)
			must(t, err)
			var got *session
			for _, d := range tc.steps {
				c.add(d)
				got, err = ss.get(ctx, id)
				must(t, err)
			}
			if (got != nil) != tc.alive {
				t.Fatalf("alive = %v, want %v", got != nil, tc.alive)
			}
			if got != nil && (got.csrf != created.csrf || got.user.ID != tc.user.ID || got.user.Role != tc.user.Role) {
				t.Errorf("session changed: %+v", got)
			}
			if !tc.alive {
				// The sweep removes it from the store, not only from view.
				c.add(sweepEvery)
				_, _, err := ss.create(ctx, store.User{})
				must(t, err)
				k := hashID(id)
				if _, err := st.GetSession(ctx, k[:], time.Time{}.Add(time.Hour)); err == nil {
					t.Error("an expired session is still stored after the sweep")
				}
			}
		})
	}
}

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestSessionIDsAndEnd(t *testing.T) {
	st := sqlitetest.Open(t)
	ctx := t.Context()
	must(t, st.CreateUser(ctx, store.User{ID: "u1", TenantID: "t1", Email: "ana@acme.example", Role: store.RoleAdmin}))
	ss := newSessions(st, 0, 0, time.Now)
	a, sa, err := ss.create(ctx, store.User{ID: "u1"})
	must(t, err)
	b, sb, err := ss.create(ctx, store.User{ID: "u1"})
	must(t, err)
	if a == b || sa.csrf == sb.csrf || len(a) < 43 || len(sa.csrf) < 43 {
		t.Fatalf("ids or tokens repeat or are short: %q %q %q %q", a, b, sa.csrf, sb.csrf)
	}
	for _, bad := range []string{"", "nope", a + "x", sa.csrf} {
		if s, err := ss.get(ctx, bad); err != nil || s != nil {
			t.Errorf("get(%q) = %v, %v, want no session", bad, s, err)
		}
	}
	must(t, ss.end(ctx, a))
	if s, _ := ss.get(ctx, a); s != nil {
		t.Error("an ended session is still found")
	}
	if s, _ := ss.get(ctx, b); s == nil {
		t.Error("ending one session ended another")
	}
}

// TestSessionTokenNotStored: the store holds the token's hash, never the
// token (a copy of the database opens no session).
func TestSessionTokenNotStored(t *testing.T) {
	st := sqlitetest.Open(t)
	ctx := t.Context()
	ss := newSessions(st, 0, 0, time.Now)
	id, _, err := ss.create(ctx, store.User{})
	must(t, err)
	if _, err := st.GetSession(ctx, []byte(id), time.Now()); err == nil {
		t.Error("the session is found by its raw token")
	}
	k := hashID(id)
	if _, err := st.GetSession(ctx, k[:], time.Now()); err != nil {
		t.Errorf("the session is not found by its token's hash: %v", err)
	}
}

// TestSessionsOutliveTheServer: a second dashboard on the same store (a
// restart, or another replica) knows the first one's sessions, and a
// log-out on either ends the session on both.
func TestSessionsOutliveTheServer(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	token := b.mustLogin("ana@acme.example")

	other, err := New(Config{Store: e.st, Ledger: e.ledger})
	must(t, err)
	e2 := *e
	e2.srv = newTestServer(t, other)
	b2 := e2.browser()
	u, _ := url.Parse(e2.srv.URL + "/ui/")
	b2.c.Jar.SetCookies(u, []*http.Cookie{b.cookie(sessionCookie)})
	ov := b2.get("/ui/overview")
	if ov.status != http.StatusOK {
		t.Fatalf("the other dashboard answers the session with %d", ov.status)
	}
	if got := csrf(t, ov.body); got != token {
		t.Errorf("the other dashboard's CSRF token %q, want the session's %q", got, token)
	}
	// The log-out on one ends the session on both.
	if a := b2.do(http.MethodPost, "/ui/logout", url.Values{"csrf": {token}}); a.status != http.StatusSeeOther {
		t.Fatalf("log-out: %d", a.status)
	}
	if a := b.get("/ui/overview"); a.status != http.StatusSeeOther {
		t.Errorf("after log-out on the other dashboard, the first answers %d", a.status)
	}
}
