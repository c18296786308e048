package ui

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	tmplcache "github.com/wabaguard/wabaguard/internal/template"
)

// The test users' password.
const testPassword = "correct horse battery staple"

// testHash is one argon2id hash of testPassword shared by every test user:
// a derivation is slow by design, more so under the race detector, and
// these tests are about the pages, not the salts (password_test.go is).
var testHash = func() func(testing.TB) string {
	var once sync.Once
	var h string
	var err error
	return func(t testing.TB) string {
		once.Do(func() { h, err = HashPassword(testPassword) })
		must(t, err)
		return h
	}
}()

// env is a dashboard over a real SQLite store and consent ledger, served
// on loopback, with two tenants: t1 (admin ana, viewer vic) and t2 (admin
// bea), each with one number.
type env struct {
	t      *testing.T
	st     *sqlite.Store
	ledger *consent.Ledger
	ui     *Server
	srv    *httptest.Server
}

func newEnv(t *testing.T, opts ...func(*Config)) *env {
	t.Helper()
	st := sqlitetest.Open(t)
	ctx := t.Context()
	now := time.Now()
	for _, id := range []string{"t1", "t2"} {
		must(t, st.PutTenant(ctx, store.Tenant{ID: id, Name: id, CreatedAt: now}))
	}
	must(t, st.PutSender(ctx, store.Sender{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "+55 11 4000-0001",
		ThroughputMPS: 80, State: store.SenderActive}))
	must(t, st.PutSender(ctx, store.Sender{PhoneNumberID: "p2", TenantID: "t2", WABAID: "w2", DisplayPhoneNumber: "+55 21 4000-0002",
		State: store.SenderActive}))
	for _, u := range []struct {
		tenant, email string
		role          store.Role
	}{{"t1", "ana@acme.example", store.RoleAdmin}, {"t1", "vic@acme.example", store.RoleViewer}, {"t2", "bea@globex.example", store.RoleAdmin}} {
		must(t, st.CreateUser(ctx, store.User{ID: "u_" + u.email, TenantID: u.tenant, Email: u.email, Role: u.role,
			PasswordHash: testHash(t), CreatedAt: now}))
	}
	l := consent.New(st)
	cfg := Config{Store: st, Ledger: l}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := New(cfg)
	must(t, err)
	return &env{t: t, st: st, ledger: l, ui: u, srv: newTestServer(t, u)}
}

// newTestServer serves a dashboard on loopback for the test's duration.
func newTestServer(t *testing.T, u *Server) *httptest.Server {
	srv := httptest.NewServer(u.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so tests see them.
type browser struct {
	e    *env
	c    *http.Client
	lang string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values) answer {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.e.t.Context(), method, b.e.srv.URL+path, body)
	must(b.e.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	must(b.e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(b.e.t, err)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

func (b *browser) get(path string) answer { return b.do(http.MethodGet, path, nil) }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the form on a page.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// login logs in and returns the overview's token.
func (b *browser) login(email, password string) answer {
	b.e.t.Helper()
	form := b.get("/ui/login")
	return b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {csrf(b.e.t, form.body)}, "email": {email}, "password": {password}})
}

func (b *browser) mustLogin(email string) string {
	b.e.t.Helper()
	a := b.login(email, testPassword)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/overview" {
		b.e.t.Fatalf("log-in as %s: %d %s\n%s", email, a.status, a.header.Get("Location"), a.body)
	}
	ov := b.get("/ui/overview")
	if ov.status != http.StatusOK {
		b.e.t.Fatalf("overview after log-in: %d", ov.status)
	}
	return csrf(b.e.t, ov.body)
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.e.srv.URL + "/ui/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// withTemplates gives w1 (t1's WABA) two templates in a real template cache
// on the env's store, and w2 (t2's) one.
func withTemplates(t *testing.T) func(*Config) {
	return func(c *Config) {
		st := c.Store.(store.Store)
		ctx := t.Context()
		now := time.Now().UTC()
		must(t, st.ReplaceTemplates(ctx, "w1", []store.Template{
			{WABAID: "w1", Name: "confirmacao_pedido", Language: "pt_BR", ID: "9001", Category: "UTILITY", Status: "APPROVED", Quality: "GREEN",
				ParameterFormat: "positional", Components: []byte(`[{"type":"BODY","text":"Pedido {{1}}"}]`)},
			{WABAID: "w1", Name: "oferta_relampago", Language: "pt_BR", ID: "9002", Category: "MARKETING", Status: "PAUSED", Quality: "RED",
				Reason: "FIRST_PAUSE", ParameterFormat: "positional", Components: []byte(`[{"type":"BODY","text":"Oferta!"}]`)},
		}, now))
		must(t, st.ReplaceTemplates(ctx, "w2", []store.Template{
			{WABAID: "w2", Name: "segredo_da_globex", Language: "es", ID: "9003", Category: "UTILITY", Status: "APPROVED",
				ParameterFormat: "positional", Components: []byte(`[]`)},
		}, now))
		cache := tmplcache.NewCache(st)
		must(t, cache.Load(ctx))
		c.Templates = cache
	}
}
