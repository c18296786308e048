// Package server assembles the gateway from its parts: the store, the
// simulator or Meta as upstream, the Graph-compatible API, the dispatcher,
// webhooks in and out, and the operational endpoints. It is the only place
// that knows them all.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wabaguard/wabaguard/internal/api"
	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/campaign"
	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/content/classifier"
	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/forward"
	"github.com/wabaguard/wabaguard/internal/gateway"
	"github.com/wabaguard/wabaguard/internal/inbound"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/mediaurl"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/optout"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/template"
	"github.com/wabaguard/wabaguard/internal/ui"
)

// WebhookPath is where Meta (or the simulator) posts webhooks.
const WebhookPath = "/webhooks/meta"

// Server is a running gateway.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	store   store.Store
	metrics *metrics.Metrics

	listener net.Listener
	http     *http.Server

	metricsListener net.Listener // nil unless metrics.listen is set
	metricsHTTP     *http.Server

	sim         *sim.Sim
	simListener net.Listener
	simHTTP     *http.Server

	gateway    *gateway.Server
	compliance *compliance
	dispatch   *dispatch.Manager
	ingress    *inbound.Handler
	processor  *inbound.Processor
	forwarder  *forward.Forwarder
	templates  *template.Cache
	tmplSync   *template.Syncer
	classifier *classifier.Registry
	limitsSync *limits.Syncer
	campaigns  *campaign.Service

	ready      chan struct{}
	First      FirstStart
	appSecret  string
	closeOnce  sync.Once
	cancelBack context.CancelFunc
	backDone   chan struct{}
}

// OpenStore opens the store named by cfg (SQLite by default), sealing
// with the key cfg names (see SecretKey).
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	ring, _, err := Keyring(cfg, os.Getenv)
	if err != nil {
		return nil, err
	}
	return OpenStoreWith(ctx, cfg, ring)
}

// OpenStoreWith opens the store named by cfg with the given sealer.
func OpenStoreWith(ctx context.Context, cfg config.Config, sealer store.Sealer) (store.Store, error) {
	if cfg.IsPostgres() {
		st, err := postgres.Open(ctx, cfg.Database, sealer)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, cfg.SQLitePath(), sealer)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", cfg.SQLitePath(), err)
	}
	return st, nil
}

// New builds a gateway from cfg and binds its listeners; Run starts it.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	if cfg.ReplicaID == "" {
		host, _ := os.Hostname()
		cfg.ReplicaID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	s := &Server{cfg: cfg, log: log, ready: make(chan struct{}), backDone: make(chan struct{})}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	s.listener = ln
	if cfg.PublicURL == "" {
		// With port 0 the real port is known only now.
		s.cfg.PublicURL = "http://" + ln.Addr().String()
	}
	if err := s.build(ctx); err != nil {
		_ = ln.Close()
		s.closeParts()
		return nil, err
	}
	return s, nil
}

func (s *Server) build(ctx context.Context) error {
	cfg := s.cfg
	ring, src, err := Keyring(cfg, os.Getenv)
	if err != nil {
		return err
	}
	if src == KeyFromDataDir && !demoMode(cfg) {
		s.log.Warn("the secret key sits beside the database, so a copy of the data folder opens every sealed secret; keep it elsewhere (secret_key_file, WABAGUARD_SECRET_KEY or the systemd credential " + CredentialName + ")")
	}
	st, err := OpenStoreWith(ctx, cfg, ring)
	if err != nil {
		return err
	}
	s.store = st
	s.metrics = metrics.New(prometheus.NewRegistry())

	first, err := Bootstrap(ctx, st, cfg, time.Now())
	if err != nil {
		return err
	}
	s.First = first
	for _, w := range first.Warnings {
		s.log.Warn("keys: " + w)
	}

	upstreamURL := strings.TrimRight(cfg.Graph.BaseURL, "/")
	metaToken := cfg.Graph.AccessToken
	s.appSecret = cfg.Graph.AppSecret
	verifyToken := cfg.Graph.VerifyToken
	if cfg.SimulatorEnabled() {
		if s.appSecret == "" {
			s.appSecret = secret.NewToken()
		}
		if metaToken == "" {
			metaToken = secret.NewToken()
		}
		if err := s.startSimulator(ctx, metaToken); err != nil {
			return err
		}
		upstreamURL = "http://" + s.simListener.Addr().String()
	}
	if verifyToken == "" {
		verifyToken = secret.NewToken()
	}
	tokenFor := func(snd store.Sender) string {
		if snd.AccessToken != "" {
			return snd.AccessToken
		}
		return metaToken
	}

	client := cloudapi.New(upstreamURL, cfg.Graph.Version, cloudapi.NewHTTPClient())

	mediaRing, err := MediaKeyring(cfg, os.Getenv)
	if err != nil {
		return err
	}
	mediaURLs := mediaurl.New(mediaRing, cfg.BaseURL())

	s.templates = template.NewCache(st, template.WithLogger(s.log.With("component", "templates")))
	s.classifier = classifier.NewRegistry(st, s.log.With("component", "content-classifier"))
	if err := s.classifier.Refresh(ctx); err != nil {
		return err
	}
	// The intake wakes the dispatcher built just below.
	comp, err := buildCompliance(cfg, st, s.metrics, func(id string) { s.dispatch.Notify(id) }, s.log, s.templates, s.classifier)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	s.compliance = comp
	s.dispatch = dispatch.New(st, client, dispatch.Config{
		SendTime:    comp.sendTime,
		Owner:       cfg.ReplicaID,
		LeaseTTL:    cfg.Dispatch.LeaseTTL.D(),
		ClaimBatch:  cfg.Dispatch.ClaimBatch,
		MaxInFlight: cfg.Dispatch.MaxInFlight,
		TokenFor:    tokenFor,
		Logger:      s.log,
		Metrics:     s.metrics,

		OutageHorizon:   cfg.Dispatch.OutageHorizon.D(),
		ThrottleHorizon: cfg.Dispatch.ThrottleHorizon.D(),
		PairRateHorizon: cfg.Dispatch.PairRateHorizon.D(),
		PairBurst:       cfg.Dispatch.PairBurst,
		// The risk engine decides what account-level errors do and how
		// fast each sender may go; the dispatcher obeys.
		RateFactor: comp.risk.RateFactor,
		Brakes:     comp.risk,
	})
	if err := comp.risk.Load(ctx); err != nil {
		return err
	}
	// Inbound messages count against their number's throughput; 131049
	// failures are counted per sender.
	comp.signals.Subscribe("pacing", s.dispatch.Signals())

	destinations, err := cfg.WebhookPolicy()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	s.forwarder = forward.New(st, forward.Config{
		Logger:       s.log.With("component", "webhooks-out"),
		Metrics:      s.metrics,
		Destinations: destinations,
		TenantBatch:  cfg.WebhookBatches(),
		Rewrite:      mediaURLs.RewriteWebhook,
	})
	// Forwarding to tenants is one subscriber of webhook signals: it stages
	// each new event's forward into the batch's own transaction.
	comp.signals.SubscribeStager("forward", forward.Stager{})
	s.processor = inbound.NewProcessor(st, inbound.ProcessorConfig{
		Signals:   comp.signals,
		OnApplied: s.forwarder.Notify,
		Logger:    s.log.With("component", "webhooks-in"),
		Metrics:   s.metrics,
	})
	s.ingress = inbound.NewHandler(st, inbound.Config{
		AppSecret:   []byte(s.appSecret),
		VerifyToken: verifyToken,
		Wake:        s.processor.Notify,
		Logger:      s.log.With("component", "webhooks-in"),
		Metrics:     s.metrics,
	})

	s.tmplSync = template.NewSyncer(s.templates, client, template.SyncConfig{
		Accounts: func(ctx context.Context) ([]template.Account, error) { return templateAccounts(ctx, st, tokenFor) },
		Every:    cfg.Templates.Sync(),
		Refresh:  cfg.Templates.Refresh(),
		Logger:   s.log.With("component", "templates"),
	})

	s.limitsSync = limits.NewSyncer(comp.quota, client, func(ctx context.Context) ([]limits.SyncSender, error) {
		senders, err := st.ListSenders(ctx)
		if err != nil {
			return nil, fmt.Errorf("senders: %w", err)
		}
		out := make([]limits.SyncSender, 0, len(senders))
		for _, snd := range senders {
			out = append(out, limits.SyncSender{PhoneNumberID: snd.PhoneNumberID, WABAID: snd.WABAID, Token: tokenFor(snd)})
		}
		return out, nil
	}, limits.DefaultSyncEvery, s.log.With("component", "limits"))

	tmplLint := newTemplateLint(cfg, lintContent{comp.content, comp.contentActions})
	gw, err := gateway.New(gateway.Config{
		Store:    st,
		Intake:   comp.intake,
		Upstream: client,
		TokenFor: tokenFor,
		Notify:   s.dispatch.Notify,
		Logger:   s.log.With("component", "api"),
		Metrics:  s.metrics,
		AuthLimit: gateway.AuthLimit{
			Burst:     cfg.Auth.FailureBurst,
			PerMinute: cfg.Auth.FailuresPerMinute,
		},
		MediaURLs:    mediaURLs,
		Templates:    s.templates,
		TemplateLint: tmplLint,
	})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	s.gateway = gw
	// Campaigns are one more caller of the intake path, on the shared
	// worker loop; their forecast uses the senders' portfolio limits.
	camp, err := campaign.New(campaign.Config{Store: st, Intake: comp.intake, Forecaster: comp.quota,
		Logger: s.log.With("component", "campaigns")})
	if err != nil {
		return fmt.Errorf("campaigns: %w", err)
	}
	s.campaigns = camp
	// One dossier builder for the API and the dashboard: an incident's
	// dossier is the same bytes whichever one it is downloaded from.
	dossiers := &appeal.Builder{Store: st, Ledger: comp.ledger, Incidents: appealIncidents{st}}
	mgmt, err := api.New(api.Config{
		Auth:          gw,
		Campaigns:     camp,
		Ledger:        comp.ledger, // its writes reach the intake's facts at once
		Store:         st,
		Senders:       senderStates{st, comp.quota},
		Contacts:      contact.New(st, comp.ledger, contact.WithDefaultRegion(cfg.DefaultRegion)),
		Brakes:        comp.risk,
		Incidents:     st,
		DefaultRegion: cfg.DefaultRegion,
		ContentModels: s.classifier,
		// Incidents stay nil until the risk engine provides them: the
		// dossier then covers windows only and says so.
		Dossiers: dossiers,
		Logger:   s.log.With("component", "management-api"),
	})
	if err != nil {
		return fmt.Errorf("management api: %w", err)
	}

	dash, err := ui.New(ui.Config{Store: st, Ledger: comp.ledger, Templates: s.templates, DefaultRegion: cfg.DefaultRegion,
		Logger:       s.log.With("component", "dashboard"),
		Health:       senderStates{st, comp.quota},
		LintTemplate: tmplLint.LintTemplate,
		Incidents:    st,
		Campaigns:    camp,
		Dossiers:     dossiers,
		SenderChanged: func(id string) {
			comp.intake.ForgetSender(id) // sends are refused or accepted at once
			s.dispatch.Notify(id)
		},
		Settings: func(tenantID string) ui.TenantSettings {
			p := cfg.PolicyFor(tenantID)
			m := comp.optOut[tenantID]
			if m == nil {
				m = optout.Default()
			}
			return ui.TenantSettings{Consent: p.Consent, Window: p.Window, Template: p.Template, OptOut: m.Rules()}
		}})
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}

	mux := http.NewServeMux()
	mux.Handle("/", gw.Handler())
	mux.Handle(api.Prefix+"/", gw.Wrap(mgmt.Handler()))
	mux.Handle(ui.Prefix+"/", dash.Handler())
	mux.Handle(WebhookPath, s.ingress)
	if cfg.Metrics.Listen == "" {
		mux.Handle("GET /metrics", s.metricsHandler())
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("/_admin/", s.adminHandler())
	if demoMode(cfg) {
		mux.Handle(DemoWebhookPath, &demoSink{
			log: s.log.With("component", "demo-webhook"),
			secret: func(ctx context.Context) (string, error) {
				t, err := st.GetTenant(ctx, DemoTenantID)
				return t.WebhookSecret, err
			},
		})
		if s.sim != nil {
			mux.Handle("POST "+DemoSayPath, &demoSay{sim: s.sim, store: st, ledger: comp.ledger, log: s.log.With("component", "demo-say"), wait: demoSayWait})
		}
	}
	hs := httpSettings(cfg.HTTP)
	s.http = newHTTPServer(mux, hs, s.log)
	dropLog := s.log.With("component", "http")
	s.listener = limitConnsPerClient(s.listener, hs.MaxConnsPerClient, func(host string) {
		s.metrics.ConnectionsRefused.Inc()
		dropLog.Debug("connection over the per-client cap closed", "client", host, "max_conns_per_client", hs.MaxConnsPerClient)
	})
	if cfg.Metrics.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			return fmt.Errorf("metrics listen %s: %w", cfg.Metrics.Listen, err)
		}
		mm := http.NewServeMux()
		mm.Handle("GET /metrics", s.metricsHandler())
		s.metricsListener, s.metricsHTTP = ln, newHTTPServer(mm, hs, s.log)
	}
	return nil
}

func (s *Server) startSimulator(ctx context.Context, token string) error {
	cfg := s.cfg
	sc := sim.DefaultConfig()
	sc.Seed = cfg.Simulator.Seed
	sc.AppSecret = s.appSecret
	sc.AccessTokens = []string{token}
	sc.WebhookURL = s.cfg.PublicURL + WebhookPath
	if cfg.Simulator.Limits != nil && !*cfg.Simulator.Limits {
		sc.Limits = sim.LimitsConfig{}
	}
	sc.Webhooks.Enabled = cfg.Simulator.StatusWebhooks == nil || *cfg.Simulator.StatusWebhooks
	sc.Webhooks.SentDelay = cfg.Simulator.SentDelay.D()
	sc.Webhooks.DeliveredDelay = cfg.Simulator.DeliveredDelay.D()
	sc.Webhooks.ReadDelay = cfg.Simulator.ReadDelay.D()
	sc.Webhooks.ReadProbability = 1
	if p := cfg.Simulator.ReadProbability; p != nil {
		sc.Webhooks.ReadProbability = *p
	}
	if b := cfg.Simulator.Behaviour; b.Enabled {
		sc.Population = sim.DefaultPopulation()
		sc.Population.Enabled, sc.Population.ConsentShare, sc.Population.Consented = true, b.ConsentShare, b.Consented
		for _, r := range []struct {
			to *float64
			v  float64
		}{{&sc.Population.Read, b.Rates.Read}, {&sc.Population.Reply, b.Rates.Reply}, {&sc.Population.Mute, b.Rates.Mute},
			{&sc.Population.Block, b.Rates.Block}, {&sc.Population.Report, b.Rates.Report}, {&sc.Population.OptOut, b.Rates.OptOut}} {
			if r.v > 0 {
				*r.to = r.v
			}
		}
		sc.Quality = sim.DefaultQuality()
		sc.Quality.Enabled = true
		sc.Enforcement = sim.DefaultEnforcement()
		sc.Enforcement.Enabled = b.Enforcement == nil || *b.Enforcement
	}
	sc.Numbers = nil
	senders, err := s.store.ListSenders(ctx)
	if err != nil {
		return fmt.Errorf("simulator numbers: %w", err)
	}
	for _, snd := range senders {
		n := sim.Number{PhoneNumberID: snd.PhoneNumberID, WABAID: snd.WABAID, DisplayPhoneNumber: snd.DisplayPhoneNumber, VerifiedName: snd.TenantID}
		for _, p := range cfg.Portfolios {
			if slices.Contains(p.WABAIDs, snd.WABAID) {
				// The simulator counts per portfolio, at the configured tier.
				n.BusinessID = p.ID
				if tier, _, ok := limits.ParseTier(p.Tier); ok {
					n.MessagingLimitTier = tier
				}
			}
		}
		if snd.ThroughputMPS > 0 {
			n.ThroughputMPS = snd.ThroughputMPS
		}
		sc.Numbers = append(sc.Numbers, n)
	}
	ln, err := net.Listen("tcp", cfg.Simulator.Listen)
	if err != nil {
		return fmt.Errorf("simulator listen %s: %w", cfg.Simulator.Listen, err)
	}
	sc.MediaBaseURL = "http://" + ln.Addr().String()
	sm, err := sim.New(sc)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("simulator: %w", err)
	}
	s.sim, s.simListener = sm, ln
	s.simHTTP = &http.Server{Handler: sm.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	select {
	case <-s.ready:
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"starting"}`))
		return
	}
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readyz: store unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"store unreachable"}`))
		return
	}
	s.writeReady(ctx, w)
}

// Addr is the address the gateway listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// URL is the base URL of the gateway.
func (s *Server) URL() string { return s.cfg.PublicURL }

// MetricsAddr is the separate metrics listener's address, or "" when
// /metrics is served on the API's listener.
func (s *Server) MetricsAddr() string {
	if s.metricsListener == nil {
		return ""
	}
	return s.metricsListener.Addr().String()
}

// SimulatorURL is the in-process simulator's base URL, or "".
func (s *Server) SimulatorURL() string {
	if s.simListener == nil {
		return ""
	}
	return "http://" + s.simListener.Addr().String()
}

// Simulator is the in-process simulator, or nil.
func (s *Server) Simulator() *sim.Sim { return s.sim }

// Templates is the local template cache, for the send path's rules and
// the webhook processor (which hands it template changes with Apply).
func (s *Server) Templates() *template.Cache { return s.templates }

// templateAccounts is one account per WABA of the declared senders, read
// with the first sender's token.
func templateAccounts(ctx context.Context, st store.Store, tokenFor func(store.Sender) string) ([]template.Account, error) {
	senders, err := st.ListSenders(ctx)
	if err != nil {
		return nil, fmt.Errorf("senders: %w", err)
	}
	seen := map[string]bool{}
	var out []template.Account
	for _, snd := range senders {
		if snd.WABAID == "" || seen[snd.WABAID] {
			continue
		}
		seen[snd.WABAID] = true
		out = append(out, template.Account{WABAID: snd.WABAID, Token: tokenFor(snd)})
	}
	return out, nil
}

// Store is the gateway's store.
func (s *Server) Store() store.Store { return s.store }

// Classifier is the content classifier: each tenant's active model, the
// built-in one when it trained none. It is a content.Classifier.
func (s *Server) Classifier() *classifier.Registry { return s.classifier }

// Ledger returns the consent ledger the server records to; writes through
// it reach the intake's facts at once.
func (s *Server) Ledger() *consent.Ledger { return s.compliance.ledger }

// AppSecret is the secret that verifies webhooks from Meta (or the simulator).
func (s *Server) AppSecret() string { return s.appSecret }

// Run serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	back, cancel := context.WithCancel(context.Background())
	s.cancelBack = cancel
	errc := make(chan error, 8)
	var wg sync.WaitGroup
	runBack := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(back); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	if s.sim != nil {
		s.sim.Start(back)
		go func() {
			if err := s.simHTTP.Serve(s.simListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("simulator: %w", err)
			}
		}()
	}
	runBack("dispatch", s.dispatch.Run)
	runBack("webhook processor", s.processor.Run)
	runBack("webhook forwarder", s.forwarder.Run)
	runBack("campaigns", s.campaigns.Run)
	runBack("queue depth", s.watchQueueDepth)
	runBack("templates", s.tmplSync.Run)
	runBack("content classifier", func(ctx context.Context) error { s.classifier.Run(ctx); return nil })
	runBack("contact sends prune", func(ctx context.Context) error {
		return pruneContactSends(ctx, s.store, s.compliance.keepSends, s.log.With("component", "cadence"))
	})
	// The senders' limits are read once before serving, so that the first
	// sends see the portfolio's real tier rather than the safe default.
	first, cancelFirst := context.WithTimeout(back, 10*time.Second)
	_ = s.limitsSync.SyncAll(first) // each failure is logged; the safe tier holds
	cancelFirst()
	runBack("limits", func(ctx context.Context) error { s.limitsSync.Run(ctx); return nil })
	runBack("risk", func(ctx context.Context) error { s.compliance.risk.Run(ctx); return nil })
	runBack("limits metrics", s.watchLimits)
	go func() {
		if err := s.http.Serve(s.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	if s.metricsHTTP != nil {
		go func() {
			if err := s.metricsHTTP.Serve(s.metricsListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics http: %w", err)
			}
		}()
	}
	close(s.ready)
	go func() { wg.Wait(); close(s.backDone) }()

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		s.log.Error("stopping after a failure", "err", runErr)
	}
	s.shutdown()
	return runErr
}

// watchQueueDepth refreshes the queue-depth gauge. It reads the store rather
// than counting in the dispatcher, so it is right on every replica.
func (s *Server) watchQueueDepth(ctx context.Context) error {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	known := map[string]bool{}
	for {
		depth, err := s.store.QueueDepth(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("queue depth", "err", err)
		}
		if senders, err := s.store.ListSenders(ctx); err == nil {
			for _, snd := range senders { // an empty queue reads 0, not "no data"
				known[snd.PhoneNumberID] = true
			}
		}
		for id := range known {
			if _, ok := depth[id]; !ok {
				s.metrics.QueueDepth.WithLabelValues(id).Set(0)
			}
		}
		for id, n := range depth {
			known[id] = true
			s.metrics.QueueDepth.WithLabelValues(id).Set(float64(n))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// shutdown stops accepting requests, lets in-flight ones finish (their
// messages are committed before they are answered), then stops the
// background work and closes the store.
func (s *Server) shutdown() {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.http.Shutdown(ctx)
		if s.metricsHTTP != nil {
			_ = s.metricsHTTP.Shutdown(ctx)
		}
		if s.simHTTP != nil {
			_ = s.simHTTP.Shutdown(ctx)
		}
		if s.cancelBack != nil {
			s.cancelBack()
			select {
			case <-s.backDone:
			case <-ctx.Done():
			}
		}
		s.closeParts()
	})
}

func (s *Server) closeParts() {
	if s.gateway != nil {
		s.gateway.Close()
	}
	if s.compliance != nil {
		s.compliance.intake.Close()
	}
	if s.ingress != nil {
		s.ingress.Close()
	}
	if s.sim != nil {
		s.sim.Close()
	}
	if s.store != nil {
		_ = s.store.Close()
	}
}
