package gateway_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// fromAddr returns a client whose connections leave from ip, another
// loopback address, so one test can play several clients.
func fromAddr(t testing.TB, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func requestWith(t testing.TB, c *http.Client, srv *httptest.Server, key string) response {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+"/v23.0/"+pnA+"/messages", strings.NewReader(textBody("+15551230000", "hi")))
	must(t, err)
	for k, v := range bearer(key) {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func withAuthLimit(l gateway.AuthLimit) envOpt {
	return func(c *gateway.Config, _ *env) { c.AuthLimit = l }
}

// wrongKey is a well-formed key that no tenant holds, with the given id.
func wrongKey(id string, i int) string {
	return secret.APIKeyPrefix + id + "_" + strings.Repeat("x", 20) + string(rune('a'+i%26)) + strings.Repeat("y", i%7)
}

// TestFailedAuthIsRateLimited drives many wrong keys from one address: past
// the burst every answer is Graph's rate-limit error with Retry-After, the
// key no longer checked. Another address with a good key is not affected.
func TestFailedAuthIsRateLimited(t *testing.T) {
	t.Parallel()
	const burst = 20
	e := newEnv(t, withAuthLimit(gateway.AuthLimit{Burst: burst, PerMinute: 1}))
	attacker := fromAddr(t, "127.0.0.2")
	var unauthorized, limited int
	for i := range 200 {
		_, id := secret.NewAPIKey() // a fresh prefix each time: only the address budget applies
		r := requestWith(t, attacker, e.srv, wrongKey(id, i))
		switch r.status {
		case http.StatusUnauthorized:
			if limited > 0 {
				t.Fatalf("attempt %d answered 401 after being limited", i)
			}
			unauthorized++
		case http.StatusTooManyRequests:
			er := wantErr(t, r, http.StatusTooManyRequests, wire.CodeAppRateLimit)
			if er.Type != "OAuthException" || r.header.Get("Retry-After") == "" {
				t.Fatalf("limited answer: type %q, Retry-After %q", er.Type, r.header.Get("Retry-After"))
			}
			limited++
		default:
			t.Fatalf("attempt %d: status %d: %s", i, r.status, r.body)
		}
	}
	if unauthorized != burst || limited != 200-burst {
		t.Errorf("%d answered 401 and %d limited, want %d and %d", unauthorized, limited, burst, 200-burst)
	}
	// Even the right key is refused from the limited address: the limit
	// answers before any key is looked at.
	wantErr(t, requestWith(t, attacker, e.srv, e.keyA), http.StatusTooManyRequests, wire.CodeAppRateLimit)
	// Another client with a good key is served.
	if r := requestWith(t, fromAddr(t, "127.0.0.3"), e.srv, e.keyA); r.status != http.StatusOK {
		t.Errorf("good key from another address: %d %s", r.status, r.body)
	}
}

// TestFailedAuthIsLimitedPerKeyPrefix guesses one key's secret from many
// addresses: the prefix runs out of budget everywhere, while the key's
// owner, already authenticated on this replica, keeps working, and so do
// other keys.
func TestFailedAuthIsLimitedPerKeyPrefix(t *testing.T) {
	t.Parallel()
	const burst = 5
	e := newEnv(t, withAuthLimit(gateway.AuthLimit{Burst: burst, PerMinute: 1}))
	owner := fromAddr(t, "127.0.0.10")
	if r := requestWith(t, owner, e.srv, e.keyA); r.status != http.StatusOK {
		t.Fatalf("owner's first request: %d %s", r.status, r.body)
	}
	id := secret.APIKeyID(e.keyA)
	for i := range burst {
		c := fromAddr(t, "127.0.1."+string(rune('1'+i)))
		wantErr(t, requestWith(t, c, e.srv, wrongKey(id, i)), http.StatusUnauthorized, wire.CodeAccessToken)
	}
	fresh := fromAddr(t, "127.0.2.1")
	wantErr(t, requestWith(t, fresh, e.srv, wrongKey(id, 99)), http.StatusTooManyRequests, wire.CodeAppRateLimit)
	if r := requestWith(t, owner, e.srv, e.keyA); r.status != http.StatusOK {
		t.Errorf("owner after the attack: %d %s", r.status, r.body)
	}
	if r := requestWith(t, fresh, e.srv, e.keyB); r.status != http.StatusBadRequest { // B's key is fine; pnA is not B's, so it answers as unknown
		t.Errorf("another key from a fresh address: %d %s", r.status, r.body)
	}
}

// TestExpiredKeyIsRefused checks expiry on every request, cached or not,
// with Graph's expired-session error.
func TestExpiredKeyIsRefused(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := &now
	e := newEnv(t, func(c *gateway.Config, _ *env) { c.Now = func() time.Time { return *clock } })
	key, id := secret.NewAPIKey()
	must(t, e.st.PutAPIKey(context.Background(), store.APIKey{ID: id, TenantID: "tenant-a", Hash: secret.HashAPIKey(key),
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	c := fromAddr(t, "127.0.0.20")
	if r := requestWith(t, c, e.srv, key); r.status != http.StatusOK {
		t.Fatalf("before expiry: %d %s", r.status, r.body)
	}
	later := now.Add(time.Hour + time.Second) // the key is still in the cache: expiry is checked anyway
	clock = &later
	er := wantErr(t, requestWith(t, c, e.srv, key), http.StatusUnauthorized, wire.CodeAccessToken)
	if er.ErrorSubcode != 463 || !strings.Contains(er.Message, "Session has expired") {
		t.Errorf("expired answer = %+v", er)
	}
}

// TestKeyUseIsRecordedCoarsely: a used key shows when it was last used, and
// many requests do not each write it.
func TestKeyUseIsRecordedCoarsely(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := fromAddr(t, "127.0.0.30")
	for range 5 {
		if r := requestWith(t, c, e.srv, e.keyA); r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	if n := e.st.touches.Load(); n != 1 {
		t.Errorf("last use written %d times for 5 requests, want 1", n)
	}
	keys, err := e.st.ListAPIKeys(context.Background(), "tenant-a")
	must(t, err)
	for _, k := range keys {
		used := !k.LastUsedAt.IsZero()
		if want := k.ID == secret.APIKeyID(e.keyA); used != want {
			t.Errorf("key %s: last used %v, want used=%v", k.ID, k.LastUsedAt, want)
		}
	}
}
