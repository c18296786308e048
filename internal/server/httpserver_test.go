package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
)

// startServer runs a real gateway on loopback with the in-process
// simulator, in a temporary data folder, and stops it with the test.
func startServer(t *testing.T, mutate func(*config.Config)) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.LogLevel = "error"
	on := true
	cfg.Simulator.Enabled = &on
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("server did not stop within 15 s")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := testClient.Get(srv.URL() + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return srv
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server not ready within 10 s")
	return nil
}

// testClient keeps no idle connections, so the connection cap test counts
// only the connections it opens itself.
var testClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// declaredTenant is a non-demo configuration: one tenant, one sender.
func declaredTenant(c *config.Config) {
	key, _ := secret.NewAPIKey()
	c.Tenants = []config.TenantConfig{{ID: "acme", APIKeys: []string{key}}}
	c.Senders = []config.SenderConfig{{PhoneNumberID: "109000000000001", TenantID: "acme", WABAID: "209000000000001"}}
}

func status(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func get(t *testing.T, url, token string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// TestMetricsAccess: /metrics is open by default, needs the token when one
// is configured, and moves to its own listener when metrics.listen is set.
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	t.Run("open by default", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, nil)
		if got := status(t, get(t, srv.URL()+"/metrics", "")); got != http.StatusOK {
			t.Errorf("GET /metrics = %d, want 200", got)
		}
	})
	t.Run("token", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, func(c *config.Config) { c.Metrics.Token = "metrics-token-for-the-test" })
		for _, tc := range []struct {
			token string
			want  int
		}{{"", http.StatusUnauthorized}, {"wrong", http.StatusUnauthorized}, {"metrics-token-for-the-test", http.StatusOK}} {
			if got := status(t, get(t, srv.URL()+"/metrics", tc.token)); got != tc.want {
				t.Errorf("GET /metrics with token %q = %d, want %d", tc.token, got, tc.want)
			}
		}
	})
	t.Run("separate listener", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, func(c *config.Config) { c.Metrics.Listen = "127.0.0.1:0" })
		if srv.MetricsAddr() == "" {
			t.Fatal("no metrics listener")
		}
		if got := status(t, get(t, "http://"+srv.MetricsAddr()+"/metrics", "")); got != http.StatusOK {
			t.Errorf("GET /metrics on the metrics listener = %d, want 200", got)
		}
		if got := status(t, get(t, srv.URL()+"/metrics", "")); got == http.StatusOK {
			t.Errorf("GET /metrics on the API listener = 200, want it absent")
		}
	})
}

// TestDemoRoutesOnlyInDemoMode: with tenants declared, /_demo/webhook is a
// path like any other the gateway does not serve.
func TestDemoRoutesOnlyInDemoMode(t *testing.T) {
	t.Parallel()
	post := func(url string) *http.Request {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	// An unknown path is what a route that does not exist answers.
	demo := startServer(t, nil)
	if got, unknown := status(t, post(demo.URL()+DemoWebhookPath)), status(t, post(demo.URL()+"/_demo/nothing")); got == unknown {
		t.Errorf("demo mode: POST %s = %d, the unknown-path answer; want it served", DemoWebhookPath, got)
	}
	declared := startServer(t, declaredTenant)
	if got, unknown := status(t, post(declared.URL()+DemoWebhookPath)), status(t, post(declared.URL()+"/_demo/nothing")); got != unknown {
		t.Errorf("declared tenants: POST %s = %d, want the unknown-path answer %d", DemoWebhookPath, got, unknown)
	}
}

// TestSlowBodyIsCutOff: a client that sends its headers and then dribbles
// the body is disconnected after http.read_timeout instead of being held.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	srv := startServer(t, func(c *config.Config) { c.HTTP.ReadTimeout = config.Duration(300 * time.Millisecond) })
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v23.0/100000000000001/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, conn)
	}()
	// Dribble a byte every 50 ms for at most 10 s; the server must hang up.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(10 * time.Second)
	for {
		select {
		case <-closed:
			return
		case <-limit:
			t.Fatal("a body dribbled for 10 s was still being read (read_timeout 300ms)")
		case <-tick.C:
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}
}

// TestConnectionCapPerClient: connections beyond http.max_conns_per_client
// from one address are closed at once; a freed slot is reusable.
func TestConnectionCapPerClient(t *testing.T) {
	t.Parallel()
	const max = 3
	srv := startServer(t, func(c *config.Config) { c.HTTP.MaxConnsPerClient = max })
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// Each held connection proves it is served with a complete request.
	served := func(c net.Conn) bool {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return false
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	for i := range max {
		// The readiness checks' connections were closed by the client, but
		// the server may not have seen them end yet and still count them:
		// give them a bounded moment to drain.
		ok := false
		for deadline := time.Now().Add(3 * time.Second); !ok && time.Now().Before(deadline); {
			c, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if ok = served(c); ok {
				held = append(held, c)
			} else {
				c.Close()
				time.Sleep(20 * time.Millisecond)
			}
		}
		if !ok {
			t.Fatalf("connection %d of %d not served", i+1, max)
		}
	}
	over, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if served(over) {
		t.Errorf("connection %d served with a cap of %d", max+1, max)
	}
	over.Close()
	held[0].Close()
	held = held[1:]
	// The slot is released when the server sees the close; retry briefly.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if served(c) {
			held = append(held, c)
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("a freed slot was never given back")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
