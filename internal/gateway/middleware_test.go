package gateway_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/wabaguard/wabaguard/internal/gateway"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The access log names route, status, request and tenant, and never the key
// or the body.
func TestAccessLogKeepsSecretsOut(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	e := newEnv(t, func(c *gateway.Config, _ *env) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	h := bearer(e.keyA)
	h["X-Request-Id"] = "trace-me"
	decodeSend(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "very private words"), h))
	request(t, e.srv, "GET", "/v23.0/"+wabaA+"/message_templates?access_token="+e.keyB, "", nil)
	e.st.fail.Store(true)
	request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+15551230000", "x"), bearer(e.keyA))
	e.srv.Close() // waits for handlers, so every log line is written

	out := logs.String()
	for _, secret := range []string{e.keyA, e.keyB, "very private words", "meta-token-"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"request_id=trace-me", "tenant_id=tenant-a", `route="POST /{version}/{phone_number_id}/messages"`, "status=200", "status=500"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}
