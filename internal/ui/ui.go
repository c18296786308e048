// Package ui is the dashboard: server-rendered pages under /ui for the
// people who run a tenant's WhatsApp. It reads through the same store and
// consent ledger as the management API, scoped to the logged-in user's
// tenant, so another tenant's data is indistinguishable from absent.
//
// Everything it serves is embedded in the binary; the browser needs no
// JavaScript. Users log in with an email and a password (argon2id), get a
// server-side session behind an HttpOnly, SameSite=Strict cookie, and every
// POST carries the session's synchronizer CSRF token.
package ui

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/optout"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	tmplcache "github.com/wabaguard/wabaguard/internal/template"
)

// Prefix is where the dashboard is served.
const Prefix = "/ui"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the dashboard reads from the store, and the few writes it
// makes: sessions, a number's pause and resume, API keys.
type Store interface {
	SessionStore
	UserByEmail(ctx context.Context, email string) (store.User, error)
	ListSenders(ctx context.Context) ([]store.Sender, error)
	QueueDepth(ctx context.Context) (map[string]int, error)
	DailyStatusCounts(ctx context.Context, tenantID string, since time.Time) ([]store.DayCount, error)
	ListDecisions(ctx context.Context, f store.DecisionFilter) ([]store.Decision, error)

	// A number's page, and its pause and resume (dispatch.Pause, Resume).
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
	SenderDailyStatusCounts(ctx context.Context, tenantID, senderID string, since time.Time) ([]store.DayCount, error)
	EventForwards(ctx context.Context, tenantID, wabaID string, fields []string, limit int) ([]store.Forward, error)
	SetSenderState(ctx context.Context, phoneNumberID string, state store.SenderState, code int, reason string, at time.Time) error
	RecordOutcomes(ctx context.Context, outcomes []store.Outcome, forwards []store.Forward) error

	// The templates page's review.
	ListTemplates(ctx context.Context, wabaID string) ([]store.Template, error)

	// The settings page.
	GetTenant(ctx context.Context, id string) (store.Tenant, error)
	ListAPIKeys(ctx context.Context, tenantID string) ([]store.APIKey, error)
	PutAPIKey(ctx context.Context, k store.APIKey) error
	RevokeAPIKey(ctx context.Context, id string) error
}

// TenantSettings is what the settings page shows of a tenant's
// configuration, which only the configuration file changes.
type TenantSettings struct {
	// Consent, Window and Template are the policy's settings: enforce or
	// off.
	Consent, Window, Template string
	// OptOut are the keyword and phrase rules the tenant's inbound
	// messages are matched against.
	OptOut []optout.Rule
}

// Ledger is the consent ledger, as the management API uses it.
type Ledger interface {
	StateByWaID(ctx context.Context, tenantID, waID string, cat consent.Category) (consent.State, error)
	History(ctx context.Context, tenantID, contact string, afterSeq int64, limit int) ([]consent.Entry, error)
	Verify(ctx context.Context, tenantID string) (consent.Report, error)
	Erase(ctx context.Context, tenantID, contact string) (consent.Receipt, error)
}

// Templates lists a WABA's templates from the local template cache.
type Templates interface {
	Templates(wabaID string) []tmplcache.Info
}

// Config assembles a dashboard.
type Config struct {
	Store  Store
	Ledger Ledger
	// Templates is the local template cache; nil shows the page empty.
	Templates Templates
	// DefaultRegion reads numbers without a country code (as the API).
	DefaultRegion string
	Logger        *slog.Logger
	// IdleTimeout and MaxAge bound sessions (defaults 30 minutes, 12 hours).
	IdleTimeout, MaxAge time.Duration
	// LoginBurst failed log-ins per address and per email are allowed,
	// refilled at LoginPerMinute (defaults 10 and 5).
	LoginBurst, LoginPerMinute int
	// DefaultThroughput is what a number with no throughput of its own is
	// paced at (the dispatcher's default, 80 messages/s, when 0).
	DefaultThroughput int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// SenderChanged is called after a number is paused or resumed here,
	// so the gateway refuses or accepts its sends at once and the
	// dispatcher looks at it again (nil: they notice within seconds).
	SenderChanged func(phoneNumberID string)
	// Settings gives a tenant's configured policy and keyword lists (nil:
	// the defaults, every rule enforced).
	Settings func(tenantID string) TenantSettings
	// LintTemplate reviews each template on the templates page (nil: no
	// review shown).
	LintTemplate TemplateLinter
	// Health reads what Meta last said of the tenant's numbers and their
	// portfolio's messaging limit (nil: the overview shows neither).
	Health SenderHealth
	// Incidents reads a number's incidents for its page and the incidents
	// pages (nil: they say there are none).
	Incidents IncidentReader
	// Campaigns is the campaign service (nil: the campaigns page lists
	// none).
	Campaigns Campaigns
	// Dossiers builds an incident's appeal dossier (nil: no download).
	Dossiers Dossiers
}

// SenderHealth reads the tenant's numbers' state: quality, status, tier
// and the portfolio's use of its messaging limit (internal/server wires
// the limits package's view of them).
type SenderHealth interface {
	SendersOf(ctx context.Context, tenantID string, now time.Time) ([]limits.SenderState, error)
}

// IncidentReader reads a tenant's incidents (the store's Risk methods).
type IncidentReader interface {
	Incident(ctx context.Context, tenantID, id string) (store.Incident, error)
	Incidents(ctx context.Context, tenantID, phoneNumberID string, limit int) ([]store.Incident, error)
}

// Server serves the dashboard.
type Server struct {
	store    Store
	ledger   Ledger
	region   string
	log      *slog.Logger
	now      func() time.Time
	sessions *sessions
	limiter  *loginLimiter
	pages    map[string]*template.Template
	mps      int
	tmpls    Templates
	changed  func(string)
	settings func(string) TenantSettings
	health   SenderHealth
	lint     TemplateLinter
	// incidents, campaigns and dossiers may be nil.
	incidents IncidentReader
	campaigns Campaigns
	dossiers  Dossiers
}

// New builds a dashboard.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Ledger == nil {
		return nil, errors.New("ui: a store and a ledger are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DefaultThroughput <= 0 {
		cfg.DefaultThroughput = 80
	}
	if cfg.DefaultRegion == "" {
		cfg.DefaultRegion = "BR"
	}
	s := &Server{store: cfg.Store, ledger: cfg.Ledger, region: cfg.DefaultRegion, log: cfg.Logger, now: cfg.Now,
		sessions: newSessions(cfg.Store, cfg.IdleTimeout, cfg.MaxAge, cfg.Now),
		limiter:  newLoginLimiter(cfg.LoginBurst, cfg.LoginPerMinute),
		pages:    map[string]*template.Template{}, mps: cfg.DefaultThroughput, tmpls: cfg.Templates,
		changed: cfg.SenderChanged, settings: cfg.Settings, health: cfg.Health,
		lint: cfg.LintTemplate, incidents: cfg.Incidents, campaigns: cfg.Campaigns, dossiers: cfg.Dossiers}
	if s.changed == nil {
		s.changed = func(string) {}
	}
	if s.settings == nil {
		s.settings = func(string) TenantSettings {
			return TenantSettings{Consent: "enforce", Window: "enforce", Template: "enforce", OptOut: optout.Default().Rules()}
		}
	}
	for _, name := range []string{"login", "overview", "number", "contacts", "decisions", "templates", "settings",
		"campaigns", "campaign", "incidents", "incident", "error"} {
		t, err := template.New("layout.html").Funcs(template.FuncMap{"utc": utcTime, "dict": dict}).
			ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("ui: templates: %w", err)
		}
		s.pages[name] = t
	}
	return s, nil
}

// dict builds a map for a sub-template from key, value pairs.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

func utcTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// Handler serves everything under Prefix.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET "+Prefix+"/login", s.loginForm)
	mux.HandleFunc("POST "+Prefix+"/login", s.login)
	mux.HandleFunc("GET "+Prefix+"/lang", s.setLang)
	mux.Handle("POST "+Prefix+"/logout", s.authed(s.logout))
	mux.Handle("GET "+Prefix+"/{$}", s.authed(func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, Prefix+"/overview", http.StatusSeeOther)
	}))
	mux.Handle("GET "+Prefix+"/overview", s.authed(s.overview))
	mux.Handle("GET "+Prefix+"/overview/chart.svg", s.authed(s.chart))
	mux.Handle("GET "+Prefix+"/contacts", s.authed(s.contacts))
	mux.Handle("POST "+Prefix+"/contacts/erase", s.authed(s.erase))
	mux.Handle("GET "+Prefix+"/decisions", s.authed(s.decisions))
	mux.Handle("GET "+Prefix+"/templates", s.authed(s.templates))
	mux.Handle("GET "+Prefix+"/numbers/{id}", s.authed(s.number))
	mux.Handle("GET "+Prefix+"/numbers/{id}/chart.svg", s.authed(s.numberChart))
	mux.Handle("POST "+Prefix+"/numbers/{id}/pause", s.authed(s.pause))
	mux.Handle("POST "+Prefix+"/numbers/{id}/resume", s.authed(s.resume))
	mux.Handle("GET "+Prefix+"/campaigns", s.authed(s.campaignsPage))
	mux.Handle("GET "+Prefix+"/campaigns/{id}", s.authed(s.campaignPage))
	mux.Handle("GET "+Prefix+"/campaigns/{id}/chart.svg", s.authed(s.campaignChart))
	mux.Handle("POST "+Prefix+"/campaigns/{id}/preflight", s.authed(s.campaignPreflight))
	mux.Handle("POST "+Prefix+"/campaigns/{id}/pause", s.authed(s.campaignPause))
	mux.Handle("POST "+Prefix+"/campaigns/{id}/resume", s.authed(s.campaignResume))
	mux.Handle("POST "+Prefix+"/campaigns/{id}/cancel", s.authed(s.campaignCancel))
	mux.Handle("GET "+Prefix+"/incidents", s.authed(s.incidentsPage))
	mux.Handle("GET "+Prefix+"/incidents/{id}", s.authed(s.incidentPage))
	mux.Handle("GET "+Prefix+"/incidents/{id}/appeal", s.authed(s.incidentAppeal))
	mux.Handle("GET "+Prefix+"/settings", s.authed(s.settingsPage))
	mux.Handle("POST "+Prefix+"/settings/keys", s.authed(s.createKey))
	mux.Handle("POST "+Prefix+"/settings/keys/{id}/revoke", s.authed(s.revokeKey))
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusNotFound, "error", &page{Message: msg(language(r), "notfound")})
	})
	return securityHeaders(mux)
}

// securityHeaders forbids framing, inline script and style, sniffing and
// caching of pages that hold personal data.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, Prefix+"/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Lang    refusal.Lang
	Langs   []langLink
	Title   string
	Nav     string
	User    *store.User
	CSRF    string
	Message string // an error or notice shown at the top
	Notice  bool   // Message is good news
	Data    any
	// Path is where the language switcher comes back to: the request's
	// unless set (a page answering a POST names its GET).
	Path string
	// Refresh, when positive, reloads the page every so many seconds (a
	// page the user asked to follow live).
	Refresh int
}

type langLink struct {
	Code, Name string
	Current    bool
}

// T translates a message key for the page's language.
func (p *page) T(key string, args ...any) string {
	s := msg(p.Lang, key)
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// IsAdmin reports whether the user may act.
func (p *page) IsAdmin() bool { return p.User != nil && p.User.Role == store.RoleAdmin }

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.Lang = language(r)
	if p.Path == "" {
		p.Path = r.URL.RequestURI()
	}
	for _, l := range refusal.Langs {
		p.Langs = append(p.Langs, langLink{Code: string(l), Name: langNames[l], Current: l == p.Lang})
	}
	if p.Title == "" {
		p.Title = p.T(name + ".title")
	}
	var b bytes.Buffer
	if err := s.pages[name].Execute(&b, p); err != nil {
		s.log.ErrorContext(r.Context(), "ui: render failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail logs err and shows a page that says the gateway failed, never why.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, sess *session, what string, err error) {
	s.log.ErrorContext(r.Context(), "ui: "+what, "err", err)
	p := &page{Message: msg(language(r), "error.internal")}
	if sess != nil {
		p.User, p.CSRF = &sess.user, sess.csrf
	}
	s.render(w, r, http.StatusInternalServerError, "error", p)
}

// setLang stores the chosen language and goes back to the page it was
// chosen on (only a path of the dashboard, never another site).
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := r.URL.Query().Get("l")
	ok := false
	for _, x := range refusal.Langs {
		ok = ok || string(x) == l
	}
	if ok {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: Prefix, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	}
	next := r.URL.Query().Get("next")
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = Prefix + "/overview"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
