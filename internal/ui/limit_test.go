package ui

import (
	"net/http"
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		tries []try
	}{
		{"burst then limited", append(fails("1.2.3.4", "a@x", 3), try{"1.2.3.4", "a@x", 0, false, true})},
		{"refilled after a while", append(fails("1.2.3.4", "a@x", 3), try{"1.2.3.4", "a@x", 61 * time.Second, false, false})},
		{"one email from many addresses", []try{
			{"1.1.1.1", "a@x", 0, true, false}, {"2.2.2.2", "a@x", 0, true, false}, {"3.3.3.3", "a@x", 0, true, false},
			{"4.4.4.4", "a@x", 0, false, true}, {"4.4.4.4", "b@x", 0, false, false}}},
		{"many emails from one address", []try{
			{"1.1.1.1", "a@x", 0, true, false}, {"1.1.1.1", "b@x", 0, true, false}, {"1.1.1.1", "c@x", 0, true, false},
			{"1.1.1.1", "d@x", 0, false, true}, {"9.9.9.9", "d@x", 0, false, false}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoginLimiter(3, 1)
			for i, tr := range tc.tries {
				now := t0.Add(tr.at)
				if w := l.wait(tr.addr, tr.email, now); (w > 0) != tr.limited {
					t.Fatalf("try %d: wait %v, limited want %v", i, w, tr.limited)
				}
				if tr.fail {
					l.fail(tr.addr, tr.email, now)
				}
			}
		})
	}
}

// try is one log-in attempt: limited says wait > 0 before it.
type try struct {
	addr, email string
	at          time.Duration
	fail        bool
	limited     bool
}

func fails(addr, email string, n int) []try {
	out := make([]try, n)
	for i := range out {
		out[i] = try{addr: addr, email: email, fail: true}
	}
	return out
}

func TestClientAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"203.0.113.7:5555":           "203.0.113.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[::ffff:203.0.113.7]:80":    "203.0.113.7",
		"not an address":             "not an address",
	} {
		r := &http.Request{RemoteAddr: remote}
		if got := clientAddr(r); got != want {
			t.Errorf("clientAddr(%q) = %q, want %q", remote, got, want)
		}
	}
}
