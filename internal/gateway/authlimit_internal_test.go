package gateway

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestFailBudgetRefillsAndStaysBounded: a spent budget comes back at the
// configured rate, and the table never grows past MaxTracked.
func TestFailBudgetRefillsAndStaysBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	l := newAuthLimiter(AuthLimit{Burst: 3, PerMinute: 6, MaxTracked: 100})
	for range 3 {
		if w := l.wait("a", "", now); w != 0 {
			t.Fatalf("limited within the burst: %v", w)
		}
		l.fail("a", "", now)
	}
	if w := l.wait("a", "", now); w != 10*time.Second {
		t.Fatalf("wait after the burst = %v, want 10s (6 a minute)", w)
	}
	if w := l.wait("a", "", now.Add(10*time.Second)); w != 0 {
		t.Fatalf("still limited after one refill: %v", w)
	}

	for i := range 1000 {
		now = now.Add(time.Millisecond)
		l.fail(fmt.Sprintf("addr-%d", i), fmt.Sprintf("prefix-%d", i), now)
	}
	if n, m := l.byAddr.Tracked(), l.byPrefix.Tracked(); n > 100 || m > 100 {
		t.Errorf("tracked %d addresses and %d prefixes, want at most 100 each", n, m)
	}
	// Once everyone's budget is back, room is made for new clients.
	later := now.Add(time.Hour)
	l.fail("newcomer", "", later)
	if !l.byAddr.Has("newcomer") {
		t.Errorf("a new address is not tracked after idle buckets were forgotten")
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	tests := []struct{ remote, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"garbage", "garbage"},
	}
	for _, tc := range tests {
		r := &http.Request{RemoteAddr: tc.remote}
		if got := clientAddr(r); got != tc.want {
			t.Errorf("clientAddr(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}
