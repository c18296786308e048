package ui

import (
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
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
	user := store.User{ID: "u1", TenantID: "t1", Role: store.RoleAdmin}
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
			c := &clock{t: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
			ss := newSessions(30*time.Minute, 12*time.Hour, c.now)
			id, created := ss.create(tc.user)
			var got *session
			for _, d := range tc.steps {
				c.add(d)
				got = ss.get(id)
			}
			if (got != nil) != tc.alive {
				t.Fatalf("alive = %v, want %v", got != nil, tc.alive)
			}
			if got != nil && (got.csrf != created.csrf || got.user != tc.user) {
				t.Errorf("session changed: %+v", got)
			}
			if !tc.alive && ss.len() != 0 {
				t.Errorf("an expired session is still held (%d)", ss.len())
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
	ss := newSessions(0, 0, time.Now)
	a, sa := ss.create(store.User{ID: "u1"})
	b, sb := ss.create(store.User{ID: "u1"})
	if a == b || sa.csrf == sb.csrf || len(a) < 43 || len(sa.csrf) < 43 {
		t.Fatalf("ids or tokens repeat or are short: %q %q %q %q", a, b, sa.csrf, sb.csrf)
	}
	for _, bad := range []string{"", "nope", a + "x", sa.csrf} {
		if ss.get(bad) != nil {
			t.Errorf("get(%q) found a session", bad)
		}
	}
	ss.end(a)
	if ss.get(a) != nil {
		t.Error("an ended session is still found")
	}
	if ss.get(b) == nil {
		t.Error("ending one session ended another")
	}
}

func TestSessionsBounded(t *testing.T) {
	ss := newSessions(0, 0, time.Now)
	user, _ := ss.create(store.User{ID: "u1"})
	for range maxSessions + 10 {
		ss.create(store.User{})
	}
	if n := ss.len(); n > maxSessions {
		t.Errorf("%d sessions held, bound %d", n, maxSessions)
	}
	if ss.get(user) == nil {
		t.Error("a flood of anonymous sessions evicted a logged-in one")
	}
}
