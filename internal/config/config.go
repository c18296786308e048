// Package config loads wabaguard's configuration: defaults that start a
// working gateway with nothing set, an optional JSON file, and environment
// variables that override both. See docs/configuration.md.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/content"
)

// Config is the whole configuration.
type Config struct {
	// Listen is the address of the HTTP server.
	Listen string `json:"listen"`
	// PublicURL is how the gateway is reached (for the simulator's webhooks
	// and the demo tenant's webhook). Default: http://<Listen>.
	PublicURL string `json:"public_url"`
	// DataDir holds the SQLite database and the secret key file.
	DataDir string `json:"data_dir"`
	// Database is empty (SQLite in DataDir), a path to a SQLite file, or a
	// postgres:// URL.
	Database string `json:"database"`
	// SecretKey seals secrets at rest: 64 hex digits or base64 of 32 bytes.
	// Empty: read or create DataDir/secret.key.
	SecretKey string `json:"secret_key"`
	// SecretKeyFile names a file holding the key (mode 0600), kept away
	// from the data folder so a copy of it opens nothing.
	SecretKeyFile string `json:"secret_key_file"`
	// PreviousSecretKeys open what older keys sealed, during a rotation
	// (see `wabaguard secrets rotate`); nothing is sealed with them.
	PreviousSecretKeys []string `json:"previous_secret_keys"`
	// ReplicaID names this process in sender leases. Default: host-pid.
	ReplicaID string `json:"replica_id"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `json:"log_level"`
	// AdminToken enables the operator endpoints under /_admin/ (Bearer
	// token). Empty: they answer 404.
	AdminToken string `json:"admin_token"`
	// DefaultRegion is used for recipients written without a country code.
	DefaultRegion string `json:"default_region"`

	Graph     Graph          `json:"graph"`
	Simulator Simulator      `json:"simulator"`
	Dispatch  Dispatch       `json:"dispatch"`
	HTTP      HTTP           `json:"http"`
	Metrics   Metrics        `json:"metrics"`
	Auth      Auth           `json:"auth"`
	Templates Templates      `json:"templates"`
	Tenants   []TenantConfig `json:"tenants"`
	Senders   []SenderConfig `json:"senders"`
	// Portfolios groups WABAs into business portfolios, whose messaging
	// limit all their numbers share (see portfolioErrors).
	Portfolios []PortfolioConfig `json:"portfolios"`
	// Warmup ramps a new number's business-initiated volume over days.
	Warmup Warmup `json:"warmup"`

	WebhookDestinations WebhookDestinations `json:"webhook_destinations"`
	// Policy chooses the compliance rules enforced; tenants[].policy
	// overrides it per tenant.
	Policy Policy `json:"policy"`
	// Risk tunes the risk engine and its alerts (docs/risk.md).
	Risk Risk `json:"risk"`
}

// Risk configures the risk engine; zero values take the defaults of
// docs/risk.md.
type Risk struct {
	// Thresholds are the scores of the brakes (30, 50, 70; hysteresis 10).
	Thresholds struct {
		Slow           float64 `json:"slow"`
		PauseMarketing float64 `json:"pause_marketing"`
		PauseBusiness  float64 `json:"pause_business"`
		Hysteresis     float64 `json:"hysteresis"`
	} `json:"thresholds"`
	// MinSent is how many sends a window needs before its rates count (50).
	MinSent int64 `json:"min_sent"`
	// SlowFactor is the slow brake's share of the throughput (0.5).
	SlowFactor float64 `json:"slow_factor"`
	// WarmupStart and WarmupDuration shape the warm-up after a resume
	// (0.25 of the throughput rising to 1 over 24 h).
	WarmupStart    float64  `json:"warmup_start"`
	WarmupDuration Duration `json:"warmup_duration"`
	// SMTP, when Host is set, emails every brake change.
	SMTP SMTP `json:"smtp"`
}

// SMTP is the mail server alerts go through.
type SMTP struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"` // 587 when zero
	From     string   `json:"from"`
	To       []string `json:"to"`
	Username string   `json:"username"`
	// Password is a secret: give it in WABAGUARD_SMTP_PASSWORD rather than
	// in the file; it is never logged.
	Password string `json:"password"`
}

// Graph is how the gateway reaches Meta and how Meta reaches it.
type Graph struct {
	BaseURL     string `json:"base_url"`     // default https://graph.facebook.com
	Version     string `json:"version"`      // default v23.0
	AccessToken string `json:"access_token"` // system-user token; empty runs the simulator
	AppSecret   string `json:"app_secret"`   // verifies X-Hub-Signature-256
	VerifyToken string `json:"verify_token"` // webhook GET handshake
}

// Simulator configures the built-in Cloud API simulator.
type Simulator struct {
	// Enabled runs the simulator in-process as the upstream. Default: true
	// when no Meta access token is configured.
	Enabled *bool `json:"enabled"`
	// Listen is where the in-process simulator listens (default 127.0.0.1:0).
	Listen string `json:"listen"`
	Seed   int64  `json:"seed"`
	// Limits turns Meta's throughput, pair-rate and messaging limits on.
	Limits *bool `json:"limits"`
	// StatusWebhooks makes the simulator post sent/delivered/read.
	StatusWebhooks *bool `json:"status_webhooks"`
	// ReadProbability is the chance a recipient reads a message (default 1).
	ReadProbability *float64 `json:"read_probability"`
	SentDelay       Duration `json:"sent_delay"`
	DeliveredDelay  Duration `json:"delivered_delay"`
	ReadDelay       Duration `json:"read_delay"`
	// Behaviour models recipients' feedback, the quality ratings and
	// template pauses it drives and Meta's enforcement ladder
	// (docs/simulator.md); off by default.
	Behaviour SimulatorBehaviour `json:"behaviour"`
}

// SimulatorBehaviour turns on the simulator's recipient model.
type SimulatorBehaviour struct {
	Enabled bool `json:"enabled"`
	// ConsentShare is the share of recipients who consented (0..1);
	// Consented lists wa_ids who did.
	ConsentShare float64  `json:"consent_share"`
	Consented    []string `json:"consented"`
	// Enforcement applies the enforcement ladder (default true).
	Enforcement *bool `json:"enforcement"`
	// Rates overrides the model's base probabilities per delivered
	// message (docs/simulator.md); zero keeps the default.
	Rates SimulatorRates `json:"rates"`
}

// SimulatorRates are the simulated recipients' base probabilities per
// delivered message, each between 0 and 1, before the model's multipliers
// (consent, spamminess, frequency, hour) apply.
type SimulatorRates struct {
	Read   float64 `json:"read"`
	Reply  float64 `json:"reply"`
	Mute   float64 `json:"mute"`
	Block  float64 `json:"block"`
	Report float64 `json:"report"`
	OptOut float64 `json:"opt_out"`
}

// Dispatch tunes the dispatcher.
type Dispatch struct {
	ClaimBatch  int      `json:"claim_batch"`
	MaxInFlight int      `json:"max_in_flight"`
	LeaseTTL    Duration `json:"lease_ttl"`
	// Retry horizons after acceptance; zero takes the dispatcher's
	// defaults (72h, 6h, 6h). See docs/resilience.md.
	OutageHorizon   Duration `json:"outage_horizon"`
	ThrottleHorizon Duration `json:"throttle_horizon"`
	PairRateHorizon Duration `json:"pair_rate_horizon"`
	// PairBurst is the most messages to one recipient sent in one burst
	// (0: Meta's 45; 1: never borrow, one per 6 s). See docs/pacing.md.
	PairBurst int `json:"pair_burst"`
}

// TenantConfig declares a tenant. Keys given here are hashed on load.
type TenantConfig struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	APIKeys       []string `json:"api_keys"`
	WebhookURL    string   `json:"webhook_url"`
	WebhookSecret string   `json:"webhook_secret"`
	OptOut        *OptOut  `json:"optout,omitempty"`
	// Policy overrides the global policy for this tenant.
	Policy *Policy `json:"policy,omitempty"`
	// Content sets this tenant's action per content category or group,
	// over the global policy.content (docs/content.md).
	Content map[string]string `json:"content,omitempty"`
	// DoubleOptIn, when set, makes a marketing opt-in recorded off WhatsApp
	// count only after the person confirms it on WhatsApp.
	DoubleOptIn *DoubleOptIn `json:"double_opt_in,omitempty"`
	// WebhookBatch is the most changes one forward POST carries (1 when
	// 0, at most 100).
	WebhookBatch int `json:"webhook_batch,omitempty"`
	// Frequency and QuietHours override policy.frequency and
	// policy.quiet_hours for this tenant.
	Frequency  *Frequency  `json:"frequency,omitempty"`
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
}

// SenderConfig declares a sender (a business phone number).
type SenderConfig struct {
	PhoneNumberID      string `json:"phone_number_id"`
	TenantID           string `json:"tenant_id"`
	WABAID             string `json:"waba_id"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	ThroughputMPS      int    `json:"throughput_mps"`
	AccessToken        string `json:"access_token"`
}

// Warmup is the warm-up of new numbers: for each day since a number's
// warm-up began, the most unique recipients of business-initiated messages
// it may reach in the moving 24 hours (its portfolio's limit still holds).
type Warmup struct {
	// Curve is the daily allowance, day 1 first; after its last day the
	// warm-up is over. Empty: the default, 50, 100, 200, 400, 700, 1000,
	// 1500. A day that is not a positive number makes the whole curve the
	// default (logged).
	Curve []int `json:"curve,omitempty"`
	// FirstSeen starts the warm-up of a sender the first time the gateway
	// sees it in the configuration (default false). The gateway cannot
	// tell a new number from an established one put behind it, and
	// holding an established number to 50 recipients a day would stall
	// the business: set it true when the numbers being added are new.
	// Meta's ONBOARDING event (a number just registered) and the risk
	// engine (a restriction lifted) start warm-ups whatever it says.
	FirstSeen *bool `json:"first_seen,omitempty"`
	// Off turns warm-up off entirely.
	Off bool `json:"off,omitempty"`
}

// StartsOnFirstSight reports whether a sender first seen in the
// configuration starts warming up.
func (w Warmup) StartsOnFirstSight() bool {
	return !w.Off && w.FirstSeen != nil && *w.FirstSeen
}

// Default returns the zero-configuration settings.
func Default() Config {
	return Config{
		Listen:        "127.0.0.1:8080",
		DataDir:       "data",
		LogLevel:      "info",
		DefaultRegion: "BR",
		Graph:         Graph{BaseURL: "https://graph.facebook.com", Version: "v23.0"},
		Simulator: Simulator{
			Listen:         "127.0.0.1:0",
			Seed:           1,
			SentDelay:      Duration(200 * time.Millisecond),
			DeliveredDelay: Duration(800 * time.Millisecond),
			ReadDelay:      Duration(2 * time.Second),
		},
		Dispatch:  Dispatch{ClaimBatch: 256, MaxInFlight: 64, LeaseTTL: Duration(15 * time.Second)},
		HTTP:      DefaultHTTP(),
		Auth:      DefaultAuth(),
		Templates: DefaultTemplates(),
	}
}

// Load builds the configuration: defaults, then the JSON file at path (if
// path is not empty), then environment variables (getenv is os.Getenv in
// production).
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Env lists the environment variables Load reads, for documentation.
var Env = []struct{ Name, Help string }{
	{"WABAGUARD_CONFIG", "path of a JSON configuration file"},
	{"WABAGUARD_LISTEN", "HTTP listen address (default 127.0.0.1:8080)"},
	{"WABAGUARD_PUBLIC_URL", "URL the gateway is reached at (default http://<listen>)"},
	{"WABAGUARD_DATA_DIR", "data directory (default ./data)"},
	{"WABAGUARD_DATABASE", "SQLite file path or postgres:// URL (default SQLite in the data directory)"},
	{"WABAGUARD_SECRET_KEY", "key sealing secrets at rest, 64 hex digits (default: data directory's secret.key)"},
	{"WABAGUARD_SECRET_KEY_FILE", "file holding that key, mode 0600 (also: systemd credential wabaguard-secret-key)"},
	{"WABAGUARD_PREVIOUS_SECRET_KEYS", "comma-separated older keys that still open secrets during a rotation"},
	{"WABAGUARD_REPLICA_ID", "this replica's name in sender leases"},
	{"WABAGUARD_LOG_LEVEL", "debug, info, warn, error"},
	{"WABAGUARD_POLICY_CONSENT", "enforce/off: templates need an opt-in on record (default enforce)"},
	{"WABAGUARD_POLICY_WINDOW", "enforce/off: free-form messages only inside the 24-hour window (default enforce)"},
	{"WABAGUARD_DEFAULT_REGION", "region for recipients without a country code (default BR)"},
	{"WABAGUARD_GRAPH_BASE_URL", "Meta Graph API base URL (default https://graph.facebook.com)"},
	{"WABAGUARD_GRAPH_VERSION", "Graph API version (default v23.0)"},
	{"WABAGUARD_META_ACCESS_TOKEN", "Meta system-user access token; without it the simulator runs"},
	{"WABAGUARD_APP_SECRET", "Meta app secret, verifies webhook signatures"},
	{"WABAGUARD_VERIFY_TOKEN", "token of Meta's webhook verification handshake"},
	{"WABAGUARD_SIMULATOR", "true/false: run the in-process simulator as the upstream"},
	{"WABAGUARD_SIMULATOR_LIMITS", "true/false: simulator enforces Meta's limits (default true)"},
	{"WABAGUARD_SIMULATOR_STATUS_WEBHOOKS", "true/false: simulator posts status webhooks (default true)"},
	{"WABAGUARD_WEBHOOK_ALLOW_LOOPBACK", "true/false: tenant webhooks may reach loopback addresses (default true only with no tenants declared)"},
	{"WABAGUARD_WEBHOOK_ALLOW_PRIVATE", "true/false: tenant webhooks may reach private addresses (default false)"},
	{"WABAGUARD_WEBHOOK_ALLOW_CIDRS", "comma-separated ranges tenant webhooks may reach whatever their kind"},
	{"WABAGUARD_METRICS_TOKEN", "bearer token /metrics requires (default: none)"},
	{"WABAGUARD_METRICS_LISTEN", "serve /metrics on this address only (default: on the API's listener)"},
	{"WABAGUARD_TEMPLATE_SYNC_EVERY", "how often templates are listed from the Graph API again (default 1h, at least 1m)"},
}

func (c *Config) applyEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	boolean := func(name string, dst **bool) error {
		v := getenv(name)
		if v == "" {
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("config: %s=%q is not true or false", name, v)
		}
		*dst = &b
		return nil
	}
	str("WABAGUARD_LISTEN", &c.Listen)
	str("WABAGUARD_PUBLIC_URL", &c.PublicURL)
	str("WABAGUARD_DATA_DIR", &c.DataDir)
	str("WABAGUARD_DATABASE", &c.Database)
	str("WABAGUARD_SECRET_KEY", &c.SecretKey)
	str("WABAGUARD_SECRET_KEY_FILE", &c.SecretKeyFile)
	if v := getenv("WABAGUARD_PREVIOUS_SECRET_KEYS"); v != "" {
		c.PreviousSecretKeys = nil
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				c.PreviousSecretKeys = append(c.PreviousSecretKeys, k)
			}
		}
	}
	str("WABAGUARD_REPLICA_ID", &c.ReplicaID)
	str("WABAGUARD_LOG_LEVEL", &c.LogLevel)
	str("WABAGUARD_POLICY_CONSENT", &c.Policy.Consent)
	str("WABAGUARD_POLICY_WINDOW", &c.Policy.Window)
	str("WABAGUARD_ADMIN_TOKEN", &c.AdminToken)
	str("WABAGUARD_DEFAULT_REGION", &c.DefaultRegion)
	str("WABAGUARD_GRAPH_BASE_URL", &c.Graph.BaseURL)
	str("WABAGUARD_GRAPH_VERSION", &c.Graph.Version)
	str("WABAGUARD_META_ACCESS_TOKEN", &c.Graph.AccessToken)
	str("WABAGUARD_APP_SECRET", &c.Graph.AppSecret)
	str("WABAGUARD_VERIFY_TOKEN", &c.Graph.VerifyToken)
	str("WABAGUARD_METRICS_TOKEN", &c.Metrics.Token)
	str("WABAGUARD_SMTP_PASSWORD", &c.Risk.SMTP.Password)
	str("WABAGUARD_METRICS_LISTEN", &c.Metrics.Listen)
	for _, b := range []struct {
		name string
		dst  **bool
	}{
		{"WABAGUARD_SIMULATOR", &c.Simulator.Enabled},
		{"WABAGUARD_SIMULATOR_LIMITS", &c.Simulator.Limits},
		{"WABAGUARD_SIMULATOR_STATUS_WEBHOOKS", &c.Simulator.StatusWebhooks},
		{"WABAGUARD_WEBHOOK_ALLOW_LOOPBACK", &c.WebhookDestinations.AllowLoopback},
	} {
		if err := boolean(b.name, b.dst); err != nil {
			return err
		}
	}
	if v := getenv("WABAGUARD_WEBHOOK_ALLOW_PRIVATE"); v != "" {
		var b *bool
		if err := boolean("WABAGUARD_WEBHOOK_ALLOW_PRIVATE", &b); err != nil {
			return err
		}
		c.WebhookDestinations.AllowPrivate = *b
	}
	if v := getenv("WABAGUARD_WEBHOOK_ALLOW_CIDRS"); v != "" {
		c.WebhookDestinations.AllowCIDRs = splitList(v)
	}
	return c.Templates.applyEnv(getenv)
}

// SimulatorEnabled reports whether the in-process simulator is the upstream.
func (c Config) SimulatorEnabled() bool {
	if c.Simulator.Enabled != nil {
		return *c.Simulator.Enabled
	}
	return c.Graph.AccessToken == ""
}

// IsPostgres reports whether Database names a PostgreSQL server.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

// SQLitePath is the SQLite file to use when the store is SQLite.
func (c Config) SQLitePath() string {
	if c.Database != "" && !c.IsPostgres() {
		return strings.TrimPrefix(c.Database, "sqlite://")
	}
	return filepath.Join(c.DataDir, "wabaguard.db")
}

// BaseURL is the URL the gateway is reached at.
func (c Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.Listen
}

// Validate reports the first thing wrong with c, saying what to fix.
func (c Config) Validate() error {
	var errs []error
	if c.Listen == "" {
		errs = append(errs, errors.New("listen must not be empty"))
	}
	if !c.SimulatorEnabled() {
		if c.Graph.AccessToken == "" {
			errs = append(errs, errors.New("graph.access_token (WABAGUARD_META_ACCESS_TOKEN) is required when the simulator is off"))
		}
		if c.Graph.AppSecret == "" {
			errs = append(errs, errors.New("graph.app_secret (WABAGUARD_APP_SECRET) is required to verify Meta's webhooks"))
		}
	}
	if cs := c.Simulator.Behaviour.ConsentShare; cs < 0 || cs > 1 {
		errs = append(errs, fmt.Errorf("simulator.behaviour.consent_share %v must be between 0 and 1", cs))
	}
	r := c.Simulator.Behaviour.Rates
	for _, rate := range []struct {
		name string
		v    float64
	}{{"read", r.Read}, {"reply", r.Reply}, {"mute", r.Mute}, {"block", r.Block}, {"report", r.Report}, {"opt_out", r.OptOut}} {
		if rate.v < 0 || rate.v > 1 {
			errs = append(errs, fmt.Errorf("simulator.behaviour.rates.%s %v must be between 0 and 1", rate.name, rate.v))
		}
	}
	tenants := map[string]bool{}
	for i, t := range c.Tenants {
		if t.ID == "" {
			errs = append(errs, fmt.Errorf("tenants[%d].id is required", i))
		}
		if tenants[t.ID] {
			errs = append(errs, fmt.Errorf("tenants[%d].id %q is declared twice", i, t.ID))
		}
		tenants[t.ID] = true
		if err := t.OptOut.validate(); err != nil {
			errs = append(errs, fmt.Errorf("tenants[%d].optout: %w", i, err))
		}
		if d := t.DoubleOptIn; d != nil && (d.Template == "" || d.Language == "" || d.PhoneNumberID == "") {
			errs = append(errs, fmt.Errorf("tenants[%d].double_opt_in needs template, language and phone_number_id", i))
		}
		if err := t.Policy.validate(fmt.Sprintf("tenants[%d].policy", i)); err != nil {
			errs = append(errs, err)
		}
		if _, err := content.ParseActions(t.Content); err != nil {
			errs = append(errs, fmt.Errorf("tenants[%d].content: %w", i, err))
		}
		if p := t.Policy; p != nil && (p.Frequency != nil || p.QuietHours != nil) {
			errs = append(errs, fmt.Errorf("tenants[%d].policy: set frequency and quiet_hours as tenants[%d].frequency and tenants[%d].quiet_hours", i, i, i))
		}
		if err := errors.Join(t.Frequency.validate(fmt.Sprintf("tenants[%d].frequency", i)),
			t.QuietHours.validate(fmt.Sprintf("tenants[%d].quiet_hours", i))); err != nil {
			errs = append(errs, err)
		}
		if t.WebhookBatch < 0 || t.WebhookBatch > MaxWebhookBatch {
			errs = append(errs, fmt.Errorf("tenants[%d].webhook_batch %d is outside 0..%d", i, t.WebhookBatch, MaxWebhookBatch))
		}
	}
	if err := c.Policy.validate("policy"); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.webhookErrors()...)
	for i, s := range c.Senders {
		if s.PhoneNumberID == "" || s.WABAID == "" {
			errs = append(errs, fmt.Errorf("senders[%d]: phone_number_id and waba_id are required", i))
		}
		if !tenants[s.TenantID] {
			errs = append(errs, fmt.Errorf("senders[%d].tenant_id %q is not a declared tenant", i, s.TenantID))
		}
		if s.ThroughputMPS < 0 {
			errs = append(errs, fmt.Errorf("senders[%d].throughput_mps must not be negative", i))
		}
	}
	if c.Dispatch.PairBurst < 0 || c.Dispatch.PairBurst > 45 {
		errs = append(errs, fmt.Errorf("dispatch.pair_burst %d is outside 0..45 (Meta allows bursts of up to 45 messages to one recipient)", c.Dispatch.PairBurst))
	}
	errs = append(errs, wabaSplits(c.Senders)...)
	errs = append(errs, portfolioErrors(c.Portfolios)...)
	errs = append(errs, c.validateSecurity()...)
	errs = append(errs, c.Templates.validate()...)
	if len(errs) > 0 {
		return fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return nil
}
