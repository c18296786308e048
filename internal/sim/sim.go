// Package sim is an in-process stand-in for Meta's WhatsApp Cloud API: the
// send, template, phone-number and media endpoints with Meta's shapes, limits
// and error codes, and signed status webhooks with realistic delays, reordering
// and duplicates. With a seed and a ManualClock every id and every webhook
// repeats exactly, so tests of the gateway can be deterministic.
package sim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// Sim is a simulated Cloud API. Create it with New, serve Handler, and call
// Start (or Flush, with a ManualClock) to have webhooks delivered.
type Sim struct {
	cfg       Config
	clock     Clock
	behaviour Behaviour
	tokens    map[string]struct{}

	// numbers and wabas are built in New and never change shape afterwards, so
	// the hot path reads them without a lock; per-entity state has its own lock.
	numbers map[string]*numberState
	order   []*numberState
	wabas   map[string]*wabaState

	seq atomic.Uint64 // orders SentRecords across numbers

	// rng serves ids off the hot path (templates, media).
	rngMu sync.Mutex
	rng   *rand.Rand

	beh       *behaviour // recipients, quality and enforcement models; nil when off
	media     mediaStore
	mediaBase string
	q         queue
	edges     edgeState

	drainMu                         sync.Mutex
	webhookPosts, webhookFailures   atomic.Int64
	webhookDropped, webhookOverflow atomic.Int64

	lifeMu sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

type numberState struct {
	cfg  Number
	waba *wabaState

	mu       sync.Mutex
	rng      *rand.Rand
	quality  string
	accepted int64
	rejected map[int]int64
	failed   map[int]int64
	reports  int64
	blocks   int64

	window    timeRing // accepted times of the last second, to measure the peak
	maxPerSec int
	tp        timeRing // the last ThroughputMPS accepted times, to enforce throughput
	pairs     map[string]*pairAccount
	blocked   map[string]struct{}
	csw       map[string]time.Time // user wa_id → last inbound message

	records []SentRecord
	recNext int
}

// SentRecord is one message the simulator accepted.
type SentRecord struct {
	Seq           uint64 `json:"seq"`
	PhoneNumberID string `json:"phone_number_id"`
	To            string `json:"to"`
	WaID          string `json:"wa_id"`
	Type          string `json:"type"`
	// Body is the text body, or the template name for templates.
	Body      string    `json:"body"`
	MessageID string    `json:"message_id"`
	Time      time.Time `json:"time"`
	// FailCode is the code of the failed status the message will get, or 0.
	FailCode int `json:"fail_code,omitempty"`
}

// NumberStats are the counters of one phone number.
type NumberStats struct {
	Accepted int64 `json:"accepted"`
	// Rejected counts synchronous errors by Graph code.
	Rejected map[int]int64 `json:"rejected"`
	// Failed counts accepted messages that got a failed status, by code.
	Failed map[int]int64 `json:"failed"`
	// MaxPerSecond is the most messages accepted in any sliding 1-second window.
	MaxPerSecond int    `json:"max_per_second"`
	Reports      int64  `json:"reports"`
	Blocks       int64  `json:"blocks"`
	Quality      string `json:"quality_rating"`
}

// Stats is a snapshot of the simulator's counters.
type Stats struct {
	Numbers         map[string]NumberStats `json:"numbers"`
	WebhookPosts    int64                  `json:"webhook_posts"`
	WebhookFailures int64                  `json:"webhook_failures"`
	// WebhookDropped counts POSTs abandoned after MaxAttempts.
	WebhookDropped int64 `json:"webhook_dropped"`
	// WebhookOverflow counts events not queued because MaxPending was reached.
	WebhookOverflow int64 `json:"webhook_overflow"`
	WebhookPending  int   `json:"webhook_pending"`
}

// New builds a simulator from cfg; zero fields get defaults.
func New(cfg Config) (*Sim, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sim{
		cfg:       cfg,
		clock:     cfg.Clock,
		mediaBase: strings.TrimRight(cfg.MediaBaseURL, "/"),
		tokens:    map[string]struct{}{},
		numbers:   map[string]*numberState{},
		wabas:     map[string]*wabaState{},
		rng:       rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed)),
	}
	s.behaviour = cfg.Behaviour
	if s.behaviour == nil {
		s.behaviour = DefaultBehaviour{ReadProbability: cfg.Webhooks.ReadProbability}
	}
	for _, t := range cfg.AccessTokens {
		s.tokens[t] = struct{}{}
	}
	s.q.init(cfg.Webhooks.MaxPending)
	s.media.init(cfg.MaxMediaBytes)
	portfolios := map[string]*portfolioState{}
	for i, n := range cfg.Numbers {
		w := s.wabas[n.WABAID]
		if w == nil {
			pid := n.BusinessID
			if pid == "" {
				pid = "waba:" + n.WABAID
			}
			p := portfolios[pid]
			if p == nil {
				p = newPortfolio(pid, n.MessagingLimitTier)
				portfolios[pid] = p
			}
			w = newWABA(n.WABAID, p)
			s.wabas[n.WABAID] = w
		}
		ns := &numberState{
			cfg:      n,
			waba:     w,
			rng:      rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)+1)),
			quality:  n.QualityRating,
			rejected: map[int]int64{},
			failed:   map[int]int64{},
			tp:       newTimeRing(n.ThroughputMPS),
			window:   newTimeRing(256),
			pairs:    map[string]*pairAccount{},
			blocked:  map[string]struct{}{},
			csw:      map[string]time.Time{},
			records:  make([]SentRecord, 0, min(cfg.MaxRecords, 1024)),
		}
		w.numbers = append(w.numbers, ns)
		s.numbers[n.PhoneNumberID] = ns
		s.order = append(s.order, ns)
	}
	if s.beh, err = newBehaviour(cfg, s.order, s.wabas); err != nil {
		return nil, err
	}
	if s.beh != nil && s.beh.pop != nil {
		if cfg.Behaviour != nil {
			return nil, fmt.Errorf("sim: Population and a custom Behaviour are exclusive")
		}
		s.behaviour = s.beh.pop
	}
	if !cfg.Templates.NoSeed {
		// Sorted so that seeded template ids do not depend on map order.
		ids := make([]string, 0, len(s.wabas))
		for id := range s.wabas {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			s.seedTemplates(s.wabas[id])
		}
	}
	return s, nil
}

// Config returns the effective configuration (with defaults filled in).
func (s *Sim) Config() Config { return s.cfg }

// Start runs the webhook sender until ctx ends or Close is called. It is a
// no-op when webhooks are disabled or already started.
func (s *Sim) Start(ctx context.Context) {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.done != nil || !s.webhooksOn() {
		return
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go s.loop(ctx, s.done)
}

// Close stops the webhook sender and waits for it. Queued webhooks are kept
// (Flush still delivers them).
func (s *Sim) Close() {
	s.lifeMu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.done = nil, nil
	s.lifeMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (s *Sim) webhooksOn() bool { return s.cfg.Webhooks.Enabled && s.cfg.WebhookURL != "" }

// Stats returns a snapshot of every counter.
func (s *Sim) Stats() Stats {
	st := Stats{
		Numbers:         make(map[string]NumberStats, len(s.order)),
		WebhookPosts:    s.webhookPosts.Load(),
		WebhookFailures: s.webhookFailures.Load(),
		WebhookDropped:  s.webhookDropped.Load(),
		WebhookOverflow: s.webhookOverflow.Load(),
		WebhookPending:  s.q.len(),
	}
	for _, ns := range s.order {
		ns.mu.Lock()
		st.Numbers[ns.cfg.PhoneNumberID] = NumberStats{
			Accepted:     ns.accepted,
			Rejected:     cloneCounts(ns.rejected),
			Failed:       cloneCounts(ns.failed),
			MaxPerSecond: ns.maxPerSec,
			Reports:      ns.reports,
			Blocks:       ns.blocks,
			Quality:      ns.quality,
		}
		ns.mu.Unlock()
	}
	return st
}

func cloneCounts(m map[int]int64) map[int]int64 {
	out := make(map[int]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Sent returns the retained accepted messages of every number, oldest first.
// Each number keeps at most Config.MaxRecords.
func (s *Sim) Sent() []SentRecord {
	var out []SentRecord
	for _, ns := range s.order {
		ns.mu.Lock()
		out = append(out, ns.records[ns.recNext:]...)
		out = append(out, ns.records[:ns.recNext]...)
		ns.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// Quality returns a number's current quality rating ("" for an unknown number).
func (s *Sim) Quality(phoneNumberID string) string {
	ns := s.numbers[phoneNumberID]
	if ns == nil {
		return ""
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.quality
}

// record appends to the number's ring buffer; ns.mu must be held.
func (ns *numberState) record(max int, r SentRecord) {
	if len(ns.records) < max {
		ns.records = append(ns.records, r)
		return
	}
	ns.records[ns.recNext] = r
	ns.recNext = (ns.recNext + 1) % max
}

// newWamid derives a Meta-looking message id from rng so that a seed repeats ids.
func newWamid(rng *rand.Rand) string {
	var b [24]byte
	for i := 0; i < len(b); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[0], b[1], b[2] = 0x1c, 0x18, 0x0b // Meta's ids start "HBgL"
	return "wamid." + base64.StdEncoding.EncodeToString(b[:])
}

// newNumericID returns a Graph-style numeric object id.
func (s *Sim) newNumericID() string {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return strconv.FormatInt(1_000_000_000_000_000+s.rng.Int64N(8_999_999_999_999_999), 10)
}

// Handler serves the Graph-compatible endpoints, with or without a version
// prefix, and GET /sim/stats.
func (s *Sim) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("sim: encoding response", "err", err)
		wire.WriteError(w, wire.NewError(wire.CodeUnknownRequest, "internal encoding error"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// unsupported is Graph's answer for an id that does not exist or an edge or
// method the object does not support.
func unsupported(method, id string) *wire.Error {
	verb := map[string]string{http.MethodGet: "get", http.MethodPost: "post", http.MethodDelete: "delete"}[method]
	if verb == "" {
		verb = "request"
	}
	return &wire.Error{
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
			verb, id),
		Type:         "GraphMethodException",
		Code:         wire.CodeInvalidParameter,
		ErrorSubcode: 33,
		HTTPStatus:   http.StatusBadRequest,
	}
}
