package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wabaguard/wabaguard/internal/api"
	"github.com/wabaguard/wabaguard/internal/campaign"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/content/classifier"
	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

// now is the fixed clock of the ledger and the API in every test.
var now = time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)

// People of the tests: a Brazilian mobile in three spellings, another
// mobile, and a fixed line (which cannot receive WhatsApp messages).
const (
	personE164   = "+5511987654321"
	personSpaced = "+55 11 98765-4321"
	personWaID   = "5511987654321"
	personNoNine = "551187654321" // as WhatsApp's wa_id may have it
	otherE164    = "+5521998765432"
	fixedLine    = "+551133334444"
)

// engines are the store engines every scenario runs on.
var engines = []struct {
	name string
	open func(testing.TB) store.Store
}{
	{"sqlite", func(t testing.TB) store.Store { return sqlitetest.Open(t) }},
	{"postgres", func(t testing.TB) store.Store {
		t.Helper()
		box, err := secret.NewBox(secret.NewKey())
		must(t, err)
		st, err := postgres.Open(t.Context(), pgtest.DSN(t), box)
		must(t, err)
		t.Cleanup(func() { _ = st.Close() })
		return st
	}},
}

// forEngine runs fn as a subtest on each engine.
func forEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, eng.open(t)))
		})
	}
}

// env is the API over real HTTP on loopback, with the gateway's key
// lookup, on a real store; tenants A and B have a key each.
type env struct {
	t          testing.TB
	st         store.Store
	ledger     *consent.Ledger
	models     *classifier.Registry
	campaigns  *campaign.Service
	srv        *httptest.Server
	keyA, keyB string
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newEnv(t testing.TB, st store.Store) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: st}
	for _, id := range []string{"tenant-a", "tenant-b"} {
		must(t, st.PutTenant(ctx, store.Tenant{ID: id, Name: id, CreatedAt: now}))
		must(t, st.PutSender(ctx, store.Sender{PhoneNumberID: "pn-" + id, TenantID: id, WABAID: "waba-" + id,
			DisplayPhoneNumber: "+1 555 0100", State: store.SenderActive}))
	}
	e.keyA, e.keyB = e.newKey("tenant-a"), e.newKey("tenant-b")
	gw, err := gateway.New(gateway.Config{Store: st, Pipeline: policy.New(), Now: func() time.Time { return now },
		Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	e.ledger = consent.New(st, consent.WithClock(func() time.Time { return now }))
	e.models = classifier.NewRegistry(st, nil)
	e.models.Now = func() time.Time { return now }
	in, err := intake.New(intake.Config{Store: st, Pipeline: policy.New(policy.DefaultRules("BR")...),
		Rules: policy.New(policy.Suppression{}, policy.Consent{}), Facts: intake.NewFacts(intake.FactsConfig{Consent: e.ledger, Windows: st, TTL: -1,
			Now: func() time.Time { return now }}), Now: func() time.Time { return now }})
	must(t, err)
	t.Cleanup(in.Close)
	e.campaigns, err = campaign.New(campaign.Config{Store: st, Intake: in, Forecaster: limits.New(limits.Config{Store: st, Now: func() time.Time { return now }}),
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	srv, err := api.New(api.Config{Auth: gw, Ledger: e.ledger, Store: st, DefaultRegion: "BR",
		ContentModels: e.models, Campaigns: e.campaigns, Now: func() time.Time { return now },
		Contacts: contact.New(st, e.ledger, contact.WithDefaultRegion("BR"), contact.WithClock(func() time.Time { return now }))})
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle(api.Prefix+"/", gw.Wrap(srv.Handler()))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.srv.Close()
		gw.Close()
	})
	return e
}

func (e *env) newKey(tenant string) string {
	key, id := secret.NewAPIKey()
	must(e.t, e.st.PutAPIKey(context.Background(), store.APIKey{ID: id, TenantID: tenant, Hash: secret.HashAPIKey(key), CreatedAt: now}))
	return key
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends one request; key "" sends none, contentType "" none either. It
// asks for English answers, which the package's assertions quote;
// TestAPIErrorsInThreeLanguages covers the others and the default.
func (e *env) do(method, path, key, contentType, body string) response {
	e.t.Helper()
	return e.doIn("en", method, path, key, contentType, body)
}

// doIn is do in a language: acceptLanguage "" sends no Accept-Language.
func (e *env) doIn(acceptLanguage, method, path, key, contentType, body string) response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+path, strings.NewReader(body))
	must(e.t, err)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := e.srv.Client().Do(req)
	must(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(e.t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) postJSON(path, key string, v any) response {
	e.t.Helper()
	b, err := json.Marshal(v)
	must(e.t, err)
	return e.do("POST", path, key, "application/json", string(b))
}

// graphError is the body of a Graph error.
type graphError struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		FBTraceID string `json:"fbtrace_id"`
		ErrorData *struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// wantError fails unless r is a Graph error of status and code whose
// message or details contain want.
func wantError(t testing.TB, r response, status, code int, want string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	var g graphError
	r.json(t, &g)
	if g.Error.Code != code || g.Error.FBTraceID == "" || g.Error.Type == "" {
		t.Errorf("error = %s, want code %d with type and fbtrace_id", r.body, code)
	}
	text := g.Error.Message
	if g.Error.ErrorData != nil {
		text += " " + g.Error.ErrorData.Details
	}
	if !strings.Contains(text, want) {
		t.Errorf("error %q does not say %q", text, want)
	}
}

// optIn is a web-form opt-in of number for a category.
func optIn(number, category string) map[string]any {
	return map[string]any{"number": number, "action": "opt_in", "category": category, "source": "web_form",
		"evidence": map[string]any{"text": "Quero receber ofertas da Acme pelo WhatsApp", "url": "https://acme.example/optin",
			"ip": "203.0.113.7", "user_agent": "Mozilla/5.0", "at": now.Add(-time.Minute).Format(time.RFC3339)}}
}

func optOut(number, category string) map[string]any {
	return map[string]any{"number": number, "action": "opt_out", "category": category, "source": "whatsapp_keyword",
		"evidence": map[string]any{"text": "PARAR", "message_id": "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjBB", "at": now.Format(time.RFC3339)}}
}

// record posts a consent request that must succeed.
func (e *env) record(key string, req map[string]any) {
	e.t.Helper()
	r := e.postJSON("/api/v1/consent", key, req)
	if r.status != http.StatusCreated {
		e.t.Fatalf("record consent: %d %s", r.status, r.body)
	}
}

// chainLength is how many records the tenant's chain has, verified.
func (e *env) chainLength(tenant string) int64 {
	e.t.Helper()
	rep, err := e.ledger.Verify(e.t.Context(), tenant)
	must(e.t, err)
	if !rep.OK {
		e.t.Fatalf("chain of %s broken: %s", tenant, rep)
	}
	return rep.Records
}

// pathOf is the path segment of a number.
func pathOf(number string) string { return url.PathEscape(number) }

// ---- the OpenAPI document as the oracle of every answer ----

var (
	docOnce sync.Once
	doc     *openapi3.T
	docErr  error
)

func openAPIDoc(t testing.TB) *openapi3.T {
	t.Helper()
	docOnce.Do(func() {
		l := openapi3.NewLoader()
		doc, docErr = l.LoadFromData(api.OpenAPI())
		if docErr == nil {
			docErr = doc.Validate(context.Background())
		}
	})
	if docErr != nil {
		t.Fatalf("openapi.json: %v", docErr)
	}
	return doc
}

// conforms fails unless r's body validates against the schema the
// document declares for method, pattern and r's status.
func conforms(t testing.TB, method, pattern string, r response) {
	t.Helper()
	d := openAPIDoc(t)
	item := d.Paths.Value(pattern)
	if item == nil {
		t.Fatalf("openapi.json has no path %s", pattern)
	}
	op := item.GetOperation(method)
	if op == nil {
		t.Fatalf("openapi.json has no %s %s", method, pattern)
	}
	ref := op.Responses.Status(r.status)
	if ref == nil || ref.Value == nil {
		t.Fatalf("openapi.json declares no %d for %s %s", r.status, method, pattern)
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		t.Fatalf("openapi.json declares no JSON body for %d of %s %s", r.status, method, pattern)
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("%s %s %d: body is not JSON: %s", method, pattern, r.status, r.body)
	}
	if err := mt.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("%s %s %d: body does not match the document: %v\n%s", method, pattern, r.status, err, r.body)
	}
}

// compactJSON is a body without insignificant whitespace, for comparing.
func compactJSON(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	must(t, json.Compact(&buf, b))
	return buf.String()
}
