// Package api is wabaguard's management REST API under /api/v1: record and
// query consent, a contact's full history (an LGPD access request), erase
// a contact (an LGPD erasure), import a do-not-contact list, verify the
// consent chain, and retrain the content classifier on the tenant's own
// labelled messages. It is described by an OpenAPI 3.1 document the binary
// serves at /api/v1/openapi.json.
//
// Callers authenticate with the same tenant API keys as the Graph surface,
// resolved by the gateway (same cache, same failed-authentication limit),
// and get the same Graph-shaped errors. Every read and write is scoped to
// the calling tenant: another tenant's contacts are indistinguishable from
// contacts nobody has recorded.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Authenticator resolves the tenant of a request's API key, or the Graph
// error to answer with (internal/gateway's Server is one).
type Authenticator interface {
	Authenticate(r *http.Request) (store.Tenant, *wire.Error)
}

// Store is what the API reads besides the consent ledger: what the gateway
// holds about one recipient. store.Store satisfies it.
type Store interface {
	MessagesByRecipient(ctx context.Context, tenantID, waID string, beforeSeq int64, limit int) ([]store.Message, error)
	ListDecisions(ctx context.Context, f store.DecisionFilter) ([]store.Decision, error)
	InboundFrom(ctx context.Context, tenantID string, waIDs []string, beforeTS time.Time, beforeID string, limit int) ([]store.InboundMessage, error)
}

// Defaults and bounds of Config.
const (
	DefaultMaxBody = 64 << 10
	// DefaultMaxImport bounds a do-not-contact file.
	DefaultMaxImport = 16 << 20
	// DefaultPageSize and MaxPageSize bound a page of a list.
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Config wires a Server.
type Config struct {
	// Auth resolves callers. Required.
	Auth Authenticator
	// Ledger records and reads consent. Required.
	Ledger *consent.Ledger
	// Store answers what the gateway holds about a recipient. Required.
	Store Store
	// DefaultRegion reads numbers written without a country code ("BR");
	// empty refuses them.
	DefaultRegion string
	// MaxBody caps a JSON request body. Default 64 KiB.
	MaxBody int64
	// MaxImport caps a do-not-contact file. Default 16 MiB.
	MaxImport int64
	// ContentModels trains and activates tenants' content classifiers;
	// nil answers its routes as unknown paths.
	ContentModels ContentModels
	// Contacts manages the contact list and audiences; nil answers their
	// routes as unknown paths.
	Contacts *contact.Service
	// MaxContactImport caps a contact import's body. Default 4 GiB.
	MaxContactImport int64
	// Senders shows the tenant's senders and their messaging limit;
	// without it those routes answer as unknown paths.
	Senders Senders
	// Dossiers builds appeal dossiers; without it the appeal routes
	// answer as unknown paths.
	Dossiers Dossiers
	// Brakes pauses and resumes senders (the risk engine); Incidents reads
	// incidents. Without them those routes answer as unknown paths.
	Brakes    Brakes
	Incidents IncidentReader
	// Campaigns manages campaigns; without it those routes answer as
	// unknown paths.
	Campaigns Campaigns
	// Logger receives errors. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Server is the management API.
type Server struct {
	auth             Authenticator
	ledger           *consent.Ledger
	store            Store
	senders          Senders
	dossiers         Dossiers
	brakes           Brakes
	incidents        IncidentReader
	campaigns        Campaigns
	region           string
	maxBody          int64
	maxImport        int64
	models           ContentModels
	contacts         *contact.Service
	maxContactImport int64
	log              *slog.Logger
	now              func() time.Time
	mux              *http.ServeMux
}

// New builds a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Auth == nil || cfg.Ledger == nil || cfg.Store == nil {
		return nil, errors.New("api: Config.Auth, Config.Ledger and Config.Store are required")
	}
	s := &Server{auth: cfg.Auth, ledger: cfg.Ledger, store: cfg.Store, region: cfg.DefaultRegion,
		maxBody: cfg.MaxBody, maxImport: cfg.MaxImport, models: cfg.ContentModels, log: cfg.Logger, now: cfg.Now, senders: cfg.Senders,
		contacts: cfg.Contacts, maxContactImport: cfg.MaxContactImport,
		dossiers: cfg.Dossiers, brakes: cfg.Brakes, incidents: cfg.Incidents,
		campaigns: cfg.Campaigns}
	if s.maxContactImport <= 0 {
		s.maxContactImport = DefaultMaxContactImport
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.maxImport <= 0 {
		s.maxImport = DefaultMaxImport
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		h := rt.handler
		if !rt.public {
			h = s.authed(rt.handler)
		}
		s.mux.Handle(rt.method+" "+Prefix+rt.path, h)
	}
	s.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errUnknownPath(r))
	})
	return s, nil
}

// Handler serves every path under Prefix; mount it at Prefix+"/".
func (s *Server) Handler() http.Handler { return s.mux }

// route is one operation of the API; the OpenAPI document describes
// exactly these (a test holds the two together).
type route struct {
	method, path string
	// public routes need no key (the API's own description).
	public  bool
	handler tenantHandler
}

func (s *Server) routes() []route {
	return append([]route{
		{method: "POST", path: "/consent", handler: s.recordConsent},
		{method: "GET", path: "/consent/verify", handler: s.verifyChain},
		{method: "GET", path: "/consent/{number}", handler: s.consentState},
		{method: "GET", path: "/contacts/{number}/history", handler: s.contactHistory},
		{method: "DELETE", path: "/contacts/{number}", handler: s.eraseContact},
		{method: "GET", path: "/contacts", handler: s.listContacts},
		{method: "GET", path: "/contacts/{number}", handler: s.getContact},
		{method: "PATCH", path: "/contacts/{number}", handler: s.patchContact},
		{method: "POST", path: "/contacts/import", handler: s.importContacts},
		{method: "GET", path: "/contacts/export", handler: s.exportContacts},
		{method: "GET", path: "/audiences", handler: s.listAudiences},
		{method: "POST", path: "/audiences", handler: s.createAudience},
		{method: "GET", path: "/audiences/{id}", handler: s.getAudience},
		{method: "PUT", path: "/audiences/{id}", handler: s.replaceAudience},
		{method: "DELETE", path: "/audiences/{id}", handler: s.deleteAudience},
		{method: "GET", path: "/audiences/{id}/count", handler: s.countAudience},
		{method: "GET", path: "/audiences/{id}/preview", handler: s.previewAudience},
		{method: "POST", path: "/suppressions/import", handler: s.importSuppressions},
		{method: "POST", path: "/content/models", handler: s.trainContentModel},
		{method: "GET", path: "/content/models", handler: s.listContentModels},
		{method: "POST", path: "/content/models/{version}/activate", handler: s.activateContentModel},
		{method: "GET", path: "/senders", handler: s.listSenders},
		{method: "GET", path: "/senders/{id}", handler: s.getSender},
		{method: "GET", path: "/senders/{id}/forecast", handler: s.senderForecast},
		{method: "GET", path: "/senders/{id}/appeal", handler: s.senderAppeal},
		{method: "GET", path: "/incidents/{id}/appeal", handler: s.incidentAppeal},
		{method: "POST", path: "/senders/{id}/pause", handler: s.pauseSender},
		{method: "POST", path: "/senders/{id}/resume", handler: s.resumeSender},
		{method: "GET", path: "/incidents", handler: s.listIncidents},
		{method: "GET", path: "/incidents/{id}", handler: s.getIncident},
		{method: "GET", path: "/openapi.json", public: true, handler: serveOpenAPI},
	}, s.campaignRoutes()...)
}

// tenantHandler serves a request of an authenticated tenant (the zero
// Tenant on public routes).
type tenantHandler func(w http.ResponseWriter, r *http.Request, t store.Tenant)

// ServeHTTP lets a tenantHandler stand as a public http.Handler.
func (h tenantHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h(w, r, store.Tenant{}) }

// authed resolves the caller before h.
func (s *Server) authed(h tenantHandler) tenantHandler {
	return func(w http.ResponseWriter, r *http.Request, _ store.Tenant) {
		t, e := s.auth.Authenticate(r)
		if e != nil {
			if e.Code == wire.CodeAccessToken {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`OAuth "Facebook Platform" "invalid_token" %q`, e.Message))
			}
			writeError(w, e)
			return
		}
		h(w, r, t)
	}
}
