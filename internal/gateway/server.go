// Package gateway is wabaguard's Graph-compatible API: the drop-in send
// endpoint a Cloud API client talks to after changing only its base URL and
// token, and a pass-through for the rest of the Graph surface such a client
// uses (phone number, templates, media), with ownership checks so a tenant
// only reaches its own numbers and never sees Meta's token, and the download
// of media at the gateway's own URLs, streamed from Meta with Meta's token.
//
// A send request is authenticated by the tenant's gateway API key, run
// through the policy pipeline, and either refused synchronously with a Graph
// error or committed to the outbox by group commit before its 200 is written.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/mediaurl"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Store is what the gateway needs from persistence; store.Store satisfies it.
type Store interface {
	// CommitIntake records a batch of send requests in one transaction.
	CommitIntake(ctx context.Context, items []*store.Intake) error
	// GetIdempotency returns the stored answer for (tenant, key).
	GetIdempotency(ctx context.Context, tenantID, key string) (store.Idempotency, error)
	// KeyByHash finds an unrevoked API key and its tenant.
	KeyByHash(ctx context.Context, hash []byte) (store.APIKey, store.Tenant, error)
	// TouchAPIKey records a key's last use.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	// GetSender returns a sender by phone_number_id.
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
	// SendersByWABA lists the senders of a WhatsApp Business Account.
	SendersByWABA(ctx context.Context, wabaID string) ([]store.Sender, error)
	// GetObject, PutObjects and DeleteObject are the registry of the
	// tenants' media and templates, which the pass-through reaches only
	// for their owners.
	GetObject(ctx context.Context, id string) (store.OwnedObject, error)
	PutObjects(ctx context.Context, objs []store.OwnedObject) error
	DeleteObject(ctx context.Context, id string) error
}

// Upstream performs pass-through calls to the Cloud API (Meta or the
// simulator). path is relative to the versioned Graph root, e.g.
// "/123/message_templates"; the implementation adds host and version.
type Upstream interface {
	Do(ctx context.Context, token, method, path string, query url.Values, contentType string, body io.Reader) (*http.Response, error)
}

// Defaults of Config.
const (
	DefaultMaxBody  = 1 << 20
	DefaultMaxBatch = intake.DefaultMaxBatch
	// MaxMediaBody caps media uploads passed through; Meta's largest media
	// (documents) are 100 MB.
	MaxMediaBody = 100 << 20
)

// Config wires a Server.
type Config struct {
	// Store persists intakes and answers lookups. Required.
	Store Store
	// Intake is the acceptance path sends go through. When nil, New builds
	// one from Pipeline, Rules, Facts, Notify and MaxBatch.
	Intake *intake.Service
	// Pipeline holds the request rules (required without Intake).
	Pipeline *policy.Pipeline
	// SenderTTL and Stopped are passed to the intake New builds (see
	// intake.Config).
	SenderTTL time.Duration
	Stopped   func(store.Sender) *wire.Error
	// Rules are the fact rules and Facts their loader (both optional).
	Rules *policy.Pipeline
	Facts intake.FactsLoader
	// Upstream carries pass-through calls. When nil those calls are answered
	// with a temporary Graph error.
	Upstream Upstream
	// TokenFor returns the Meta token to use for a sender's pass-through
	// calls; by default the sender's own AccessToken.
	TokenFor func(store.Sender) string
	// Notify wakes the dispatcher of a sender after its messages committed.
	Notify func(senderID string)
	// MaxBody caps a send request body; bigger bodies get 413. Default 1 MiB.
	MaxBody int64
	// Logger receives the access log and errors. Default slog.Default().
	Logger *slog.Logger
	// Metrics receives counters; default a private registry.
	Metrics *metrics.Metrics
	// Now is the clock; default time.Now.
	Now func() time.Time
	// MaxBatch bounds intakes per group commit. Default 512.
	MaxBatch int
	// AuthLimit bounds failed authentications per client and key prefix.
	AuthLimit AuthLimit
	// MediaURLs issues the gateway media URLs GET /{media_id} answers in
	// place of Meta's. Replicas must share its key and public URL; by
	// default a key of this process alone and the request's own host.
	MediaURLs *mediaurl.Issuer
	// MediaClient fetches media from the upstream; by default a client
	// that follows redirects only on the upstream URL's own host.
	MediaClient *http.Client
	// MediaTimeout bounds one download, body included. Default
	// DefaultMediaTimeout.
	MediaTimeout time.Duration
	// Templates learns of templates created and deleted through the
	// pass-through; nil for none.
	Templates TemplateObserver
	// TemplateLint checks template creations before they are relayed; nil
	// relays them unchecked.
	TemplateLint TemplateLinter
}

// Server is the Graph-compatible API.
type Server struct {
	store     Store
	intake    *intake.Service
	ownIntake bool
	upstream  Upstream
	tokenFor  func(store.Sender) string
	notify    func(string)
	maxBody   int64
	log       *slog.Logger
	metrics   *metrics.Metrics
	now       func() time.Time

	// tmpl is Config.Templates.
	tmpl TemplateObserver
	// lint is Config.TemplateLint.
	lint TemplateLinter

	media        *mediaurl.Issuer
	mediaClient  *http.Client
	mediaTimeout time.Duration

	keys      *keyCache
	authLimit *authLimiter
	mux       *http.ServeMux
	handler   http.Handler
	closeOnce sync.Once
}

// New builds a Server and starts its group committer.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("gateway: Config.Store is required")
	}
	if cfg.Pipeline == nil && cfg.Intake == nil {
		return nil, errors.New("gateway: Config.Intake or Config.Pipeline is required")
	}
	s := &Server{
		store:     cfg.Store,
		intake:    cfg.Intake,
		upstream:  cfg.Upstream,
		tokenFor:  cfg.TokenFor,
		notify:    cfg.Notify,
		tmpl:      cfg.Templates,
		lint:      cfg.TemplateLint,
		maxBody:   cfg.MaxBody,
		log:       cfg.Logger,
		metrics:   cfg.Metrics,
		now:       cfg.Now,
		keys:      newKeyCache(keyCacheTTL, keyCacheSize),
		authLimit: newAuthLimiter(cfg.AuthLimit),
	}
	if s.tokenFor == nil {
		s.tokenFor = func(snd store.Sender) string { return snd.AccessToken }
	}
	if s.notify == nil {
		s.notify = func(string) {}
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = metrics.New(prometheus.NewRegistry())
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.media, s.mediaClient, s.mediaTimeout = cfg.MediaURLs, cfg.MediaClient, cfg.MediaTimeout
	if s.media == nil {
		box, err := secret.NewBox(secret.NewKey())
		if err != nil {
			return nil, fmt.Errorf("gateway: media URL key: %w", err)
		}
		s.media = mediaurl.New(box, "")
	}
	if s.mediaClient == nil {
		s.mediaClient = newMediaClient()
	}
	if s.mediaTimeout <= 0 {
		s.mediaTimeout = DefaultMediaTimeout
	}
	if s.intake == nil {
		in, err := intake.New(intake.Config{
			Store: cfg.Store, Pipeline: cfg.Pipeline, Rules: cfg.Rules, Facts: cfg.Facts,
			SenderTTL: cfg.SenderTTL, Stopped: cfg.Stopped,
			Notify: s.notify, MaxBatch: cfg.MaxBatch, Logger: s.log, Metrics: s.metrics, Now: s.now,
		})
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		s.intake, s.ownIntake = in, true
	}
	s.mux = s.routes()
	s.handler = s.middleware(s.withMedia(s.mux))
	return s, nil
}

// Handler returns the API with its middleware. Mount it at "/" of a parent
// mux: the parent's literal routes (/healthz, /metrics, /api/v1/, /ui/,
// /webhooks/meta) are more specific than anything here and keep winning,
// while every Graph-shaped path falls through to this handler, which answers
// unknown paths with Graph's own error rather than a plain 404.
func (s *Server) Handler() http.Handler { return s.handler }

// Close closes the intake New built (an intake given in Config is its
// owner's to close). Call it after the HTTP server has stopped taking
// requests.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.ownIntake {
			s.intake.Close()
		}
	})
}
