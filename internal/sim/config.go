package sim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Number is one registered business phone number of the simulated Cloud API.
type Number struct {
	PhoneNumberID      string
	WABAID             string
	DisplayPhoneNumber string
	VerifiedName       string
	// ThroughputMPS is the number's messages-per-second ceiling (Meta's default is 80).
	ThroughputMPS int
	// QualityRating is GREEN, YELLOW, RED or UNKNOWN.
	QualityRating string
	// BusinessID is the business portfolio the number's WABA belongs to;
	// Meta sets the messaging limit on the portfolio, shared by all its
	// numbers (since Oct 7, 2025). Empty: the WABA is a portfolio of its own.
	BusinessID string
	// MessagingLimitTier is the portfolio tier, e.g. TIER_250, TIER_2K, TIER_UNLIMITED.
	// The first number of a portfolio sets the portfolio's tier.
	MessagingLimitTier string
	// Status is the number's status, e.g. CONNECTED.
	Status string
}

// LimitsConfig switches Meta's sending limits on or off.
type LimitsConfig struct {
	// Throughput rejects sends above ThroughputMPS with 130429.
	Throughput bool
	// PairRate rejects sends above 1 per 6 s per recipient (bursts of 45) with 131056.
	PairRate bool
	// MessagingLimit counts unique recipients outside a service window per
	// business portfolio per moving 24 h against the portfolio's tier.
	MessagingLimit bool
	// ServiceWindow fails non-template messages to users without an open
	// 24-hour customer service window with 131047, as Meta does.
	ServiceWindow bool
}

// WebhooksConfig shapes the status webhooks the simulator sends.
type WebhooksConfig struct {
	Enabled bool
	// SentDelay, DeliveredDelay and ReadDelay are measured from acceptance.
	SentDelay      time.Duration
	DeliveredDelay time.Duration
	ReadDelay      time.Duration
	// ReadProbability is the chance the default Behaviour reads a message.
	ReadProbability float64
	// ReorderProbability is the chance a message's delivered status is sent before its sent status.
	ReorderProbability float64
	// DuplicateProbability is the chance each status is sent twice.
	DuplicateProbability float64
	// SkipDeliveredProbability is the chance a read message gets no delivered status.
	SkipDeliveredProbability float64
	// MaxBatch is the most statuses per POST (Meta allows up to 1000).
	MaxBatch int
	// MaxAttempts bounds delivery attempts of one POST before it is dropped.
	MaxAttempts int
	// RetryBase is the first retry delay; each retry doubles it, capped at RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
	// MaxPending bounds queued webhook events; beyond it new events are dropped and counted.
	MaxPending int
}

// TemplatesConfig shapes the template review.
type TemplatesConfig struct {
	// ReviewDelay is how long a new template stays PENDING.
	ReviewDelay time.Duration
	// RejectWords rejects a template whose name or components contain any of
	// them (case-insensitive), standing in for Meta's content review.
	RejectWords []string
	// NoSeed disables the two APPROVED templates seeded per WABA.
	NoSeed bool
}

// Config configures a Sim. Start from DefaultConfig or FastConfig.
type Config struct {
	// Seed makes ids, probabilities and webhook order reproducible.
	Seed int64
	// Clock defaults to the wall clock.
	Clock Clock
	// AppSecret signs webhooks (X-Hub-Signature-256).
	AppSecret string
	// WebhookURL receives every webhook; "" sends none.
	WebhookURL string
	// AccessTokens are the accepted bearer tokens; empty accepts any non-empty token.
	AccessTokens []string
	Numbers      []Number
	Limits       LimitsConfig
	Webhooks     WebhooksConfig
	Templates    TemplatesConfig
	// Behaviour decides what each recipient does; nil uses DefaultBehaviour
	// (or the seeded population when Population.Enabled).
	Behaviour Behaviour
	// Population, Quality and Enforcement model recipients' feedback, the
	// quality ratings it drives and Meta's enforcement ladder; all off by
	// default (population.go, quality.go, enforcement.go).
	Population  PopulationConfig
	Quality     QualityConfig
	Enforcement EnforcementConfig
	// MaxRecords bounds the SentRecords kept per number (a ring buffer).
	MaxRecords int
	// MaxMediaBytes bounds the total bytes of stored media.
	MaxMediaBytes int64
	// MediaBaseURL is the simulator's own base URL (scheme://host:port),
	// for the url of inbound media in webhooks; "" leaves url out.
	MediaBaseURL string
	// HTTPClient posts webhooks; nil uses a client with a 10 s timeout.
	HTTPClient *http.Client
}

// DefaultNumber is the number DefaultConfig registers.
var DefaultNumber = Number{
	PhoneNumberID:      "106540352242922",
	WABAID:             "102290129340398",
	DisplayPhoneNumber: "15550783881",
	VerifiedName:       "Wabaguard Test",
}

// DefaultConfig is a faithful simulator: every limit on, webhooks with
// realistic delays, one default number.
func DefaultConfig() Config {
	return Config{
		Seed:    1,
		Numbers: []Number{DefaultNumber},
		Limits:  LimitsConfig{Throughput: true, PairRate: true, MessagingLimit: true, ServiceWindow: true},
		Webhooks: WebhooksConfig{
			Enabled:         true,
			SentDelay:       300 * time.Millisecond,
			DeliveredDelay:  1500 * time.Millisecond,
			ReadDelay:       20 * time.Second,
			ReadProbability: 0.6,
			MaxBatch:        100,
		},
		Templates: TemplatesConfig{ReviewDelay: time.Minute},
	}
}

// FastConfig is an instantly answering upstream: no limits, no webhooks.
func FastConfig() Config {
	c := DefaultConfig()
	c.Limits = LimitsConfig{}
	c.Webhooks.Enabled = false
	return c
}

var defaultRejectWords = []string{"casino", "lottery", "free money", "bitcoin", "guaranteed profit"}

// withDefaults fills zero values and validates.
func (c Config) withDefaults() (Config, error) {
	if c.Clock == nil {
		c.Clock = RealClock{}
	}
	if len(c.Numbers) == 0 {
		return c, fmt.Errorf("sim: no numbers configured")
	}
	nums := make([]Number, len(c.Numbers))
	seen := map[string]bool{}
	for i, n := range c.Numbers {
		if n.PhoneNumberID == "" || n.WABAID == "" {
			return c, fmt.Errorf("sim: number %d needs PhoneNumberID and WABAID", i)
		}
		if seen[n.PhoneNumberID] {
			return c, fmt.Errorf("sim: duplicate phone number id %s", n.PhoneNumberID)
		}
		seen[n.PhoneNumberID] = true
		if n.ThroughputMPS <= 0 {
			n.ThroughputMPS = 80
		}
		if n.QualityRating == "" {
			n.QualityRating = "GREEN"
		}
		if n.MessagingLimitTier == "" {
			n.MessagingLimitTier = "TIER_250"
		}
		if _, ok := tierLimit(n.MessagingLimitTier); !ok {
			return c, fmt.Errorf("sim: number %s: unknown messaging limit tier %q", n.PhoneNumberID, n.MessagingLimitTier)
		}
		if n.Status == "" {
			n.Status = "CONNECTED"
		}
		if n.DisplayPhoneNumber == "" {
			n.DisplayPhoneNumber = "1555" + n.PhoneNumberID
		}
		if n.VerifiedName == "" {
			n.VerifiedName = "Test Number"
		}
		nums[i] = n
	}
	c.Numbers = nums
	w := &c.Webhooks
	if w.MaxBatch <= 0 || w.MaxBatch > 1000 {
		w.MaxBatch = 1000
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 10
	}
	if w.RetryBase <= 0 {
		w.RetryBase = time.Second
	}
	if w.RetryMax <= 0 {
		w.RetryMax = 5 * time.Minute
	}
	if w.MaxPending <= 0 {
		w.MaxPending = 1 << 20
	}
	if c.Templates.RejectWords == nil {
		c.Templates.RejectWords = defaultRejectWords
	}
	if c.MaxRecords <= 0 {
		c.MaxRecords = 10000
	}
	if c.MaxMediaBytes <= 0 {
		c.MaxMediaBytes = 64 << 20
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return c, nil
}

// tierLimit maps a messaging limit tier to its unique-recipient allowance;
// -1 means unlimited.
func tierLimit(tier string) (int, bool) {
	switch strings.ToUpper(tier) {
	case "TIER_50":
		return 50, true
	case "TIER_250":
		return 250, true
	case "TIER_1K":
		return 1000, true
	case "TIER_2K":
		return 2000, true
	case "TIER_10K":
		return 10000, true
	case "TIER_100K":
		return 100000, true
	case "TIER_UNLIMITED":
		return -1, true
	}
	return 0, false
}
