package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// testStore is the part of the store the scenarios use to set up and inspect.
type testStore interface {
	gateway.Store
	PutTenant(ctx context.Context, t store.Tenant) error
	PutAPIKey(ctx context.Context, k store.APIKey) error
	RevokeAPIKey(ctx context.Context, id string) error
	ListAPIKeys(ctx context.Context, tenantID string) ([]store.APIKey, error)
	PutSender(ctx context.Context, s store.Sender) error
	GetMessage(ctx context.Context, id string) (store.Message, error)
	QueueDepth(ctx context.Context) (map[string]int, error)
	ListDecisions(ctx context.Context, f store.DecisionFilter) ([]store.Decision, error)
	Close() error
}

// countingStore counts group-commit transactions and can be made to fail.
type countingStore struct {
	testStore
	commits atomic.Int64
	touches atomic.Int64
	fail    atomic.Bool
	// gate, when set, runs before each commit (to hold a flush open).
	gate func()
}

func (c *countingStore) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	c.touches.Add(1)
	return c.testStore.TouchAPIKey(ctx, id, at)
}

func (c *countingStore) CommitIntake(ctx context.Context, items []*store.Intake) error {
	c.commits.Add(1)
	if c.gate != nil {
		c.gate()
	}
	if c.fail.Load() {
		return errors.New("disk on fire")
	}
	return c.testStore.CommitIntake(ctx, items)
}

// Fixture ids: tenant A owns sender 1001 in WABA 9001, tenant B owns 2002 in 9002.
const (
	pnA, wabaA = "1001", "9001"
	pnB, wabaB = "2002", "9002"
	rejectTo   = "+15550000000" // the test recipient rule refuses it
	deferTo    = "+15550000001" // the test quiet-hours rule defers it
	panicTo    = "+15550000002" // the test rule panics on it
)

// recipientRule stands in for the real recipient rule: digits of "to".
type recipientRule struct{ seen *atomic.Int64 }

func (recipientRule) Name() string { return "recipient" }

func (r recipientRule) Check(_ context.Context, m *policy.Message) policy.Decision {
	if r.seen != nil {
		r.seen.Add(1)
	}
	switch m.Request.To {
	case rejectTo:
		return policy.Rejected("recipient", "recipient.invalid", wire.CodeParameterInvalid, "The recipient is not a valid phone number.")
	case panicTo:
		panic("rule bug")
	}
	m.WaID = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, m.Request.To)
	m.Category = "service"
	return policy.Allowed()
}

type deferRule struct{}

func (deferRule) Name() string { return "quiet_hours" }

func (deferRule) Check(_ context.Context, m *policy.Message) policy.Decision {
	if m.Request.To == deferTo {
		return policy.Deferred("quiet_hours", "quiet_hours.night", "Recipient's local night.", m.Now.Add(time.Hour))
	}
	return policy.Allowed()
}

// testUpstream is a minimal pass-through client to an httptest server.
type testUpstream struct{ base string }

func (u testUpstream) Do(ctx context.Context, token, method, path string, query url.Values, contentType string, body io.Reader) (*http.Response, error) {
	target := u.base + "/v23.0/" + strings.TrimLeft(path, "/")
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return http.DefaultClient.Do(req)
}

// upstreamCall is what the fake Meta saw.
type upstreamCall struct {
	method, path, query, auth, contentType string
	body                                   []byte
}

type env struct {
	t        testing.TB
	st       *countingStore
	gw       *gateway.Server
	srv      *httptest.Server
	keyA     string
	keyB     string
	revoked  string
	notified sync.Map // sender -> *atomic.Int64
	seen     atomic.Int64

	upMu    sync.Mutex
	upCalls []upstreamCall
	upReply func(w http.ResponseWriter, r *http.Request)
}

type envOpt func(*gateway.Config, *env)

func newEnv(t testing.TB, opts ...envOpt) *env {
	t.Helper()
	return newEnvOn(t, openStore(t), opts...)
}

// newEnvOn is newEnv on a given store engine.
func newEnvOn(t testing.TB, st testStore, opts ...envOpt) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: &countingStore{testStore: st}}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.upMu.Lock()
		e.upCalls = append(e.upCalls, upstreamCall{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), b})
		reply := e.upReply
		e.upMu.Unlock()
		if reply != nil {
			reply(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":true}`)
	}))
	t.Cleanup(up.Close)

	for _, tn := range []struct{ tenant, pn, waba string }{{"tenant-a", pnA, wabaA}, {"tenant-b", pnB, wabaB}} {
		must(t, e.st.PutTenant(ctx, store.Tenant{ID: tn.tenant, Name: tn.tenant, CreatedAt: time.Now()}))
		must(t, e.st.PutSender(ctx, store.Sender{PhoneNumberID: tn.pn, TenantID: tn.tenant, WABAID: tn.waba,
			DisplayPhoneNumber: "+1 555 " + tn.pn, AccessToken: "meta-token-" + tn.tenant, State: store.SenderActive}))
	}
	e.keyA = e.newKey("tenant-a")
	e.keyB = e.newKey("tenant-b")
	e.revoked = e.newKey("tenant-a")
	must(t, e.st.RevokeAPIKey(ctx, secret.APIKeyID(e.revoked)))

	cfg := gateway.Config{
		Store:    e.st,
		Pipeline: policy.New(policy.Schema{}, recipientRule{seen: &e.seen}, deferRule{}),
		Upstream: testUpstream{base: up.URL},
		// Tests change senders' state and send at once: no caching.
		SenderTTL: -1,
		Stopped:   dispatch.StoppedSendError,
		Notify: func(sender string) {
			c, _ := e.notified.LoadOrStore(sender, new(atomic.Int64))
			c.(*atomic.Int64).Add(1)
		},
	}
	for _, o := range opts {
		o(&cfg, e)
	}
	gw, err := gateway.New(cfg)
	must(t, err)
	e.gw = gw
	e.srv = httptest.NewServer(gw.Handler())
	t.Cleanup(func() {
		e.srv.Close()
		gw.Close()
		_ = e.st.Close()
	})
	return e
}

func (e *env) newKey(tenant string) string {
	key, id := secret.NewAPIKey()
	must(e.t, e.st.PutAPIKey(context.Background(), store.APIKey{ID: id, TenantID: tenant, Hash: secret.HashAPIKey(key), CreatedAt: time.Now()}))
	return key
}

func (e *env) calls() []upstreamCall {
	e.upMu.Lock()
	defer e.upMu.Unlock()
	return append([]upstreamCall(nil), e.upCalls...)
}

func (e *env) depth() int {
	e.t.Helper()
	d, err := e.st.QueueDepth(context.Background())
	must(e.t, err)
	n := 0
	for _, v := range d {
		n += v
	}
	return n
}

// decisions flushes pending rejection records (by closing the gateway) and
// returns every stored decision.
func (e *env) decisions() []store.Decision {
	e.t.Helper()
	e.gw.Close()
	ds, err := e.st.ListDecisions(context.Background(), store.DecisionFilter{})
	must(e.t, err)
	return ds
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// request sends one request to srv and reads the whole answer.
func request(t testing.TB, srv *httptest.Server, method, path, body string, headers map[string]string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	must(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return response{resp.StatusCode, resp.Header, b}
}

func bearer(key string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}
}

func textBody(to, text string) string {
	return fmt.Sprintf(`{"messaging_product":"whatsapp","recipient_type":"individual","to":%q,"type":"text","text":{"body":%q}}`, to, text)
}

// graphErr decodes a Graph error body, failing unless it has Meta's shape.
func graphErr(t testing.TB, r response) *wire.Error {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type = %q, want application/json; body %s", ct, r.body)
	}
	var env wire.ErrorEnvelope
	if err := json.Unmarshal(r.body, &env); err != nil || env.Error == nil {
		t.Fatalf("not a Graph error envelope: %v: %s", err, r.body)
	}
	e := env.Error
	if e.Message == "" || e.Type == "" || e.FBTraceID == "" || e.Code == 0 {
		t.Fatalf("incomplete Graph error: %s", r.body)
	}
	return e
}

func wantErr(t testing.TB, r response, status, code int) *wire.Error {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	e := graphErr(t, r)
	if e.Code != code {
		t.Fatalf("code = %d, want %d; body %s", e.Code, code, r.body)
	}
	return e
}

func decodeSend(t testing.TB, r response) wire.SendResponse {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	var sr wire.SendResponse
	must(t, json.Unmarshal(r.body, &sr))
	return sr
}
