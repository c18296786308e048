// Package risk watches each sender's health and holds it back before Meta
// does: it counts what webhooks tell (sends, deliveries, reads, replies,
// failures by code, opt-outs, quality, template and account events) in
// hourly counters kept in the store, scores the number from them
// (Compute, docs/risk.md), and sets a brake — slow down, pause marketing,
// pause everything business-initiated, stop — that the dispatcher and the
// send-time rule obey. Some of Meta's answers stop at once (131048, 368,
// 131031, ACCOUNT_RESTRICTION, DISABLED_UPDATE). Every change reaches the
// tenant's webhook, the log, /metrics and, when configured, an email; each
// flag, pause, restriction or ban opens an incident with its timeline.
//
// The engine decides; it never sends. Data walks one way: webhook →
// signal → risk → brake state in the store → dispatcher and rules.
package risk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Store is what the engine needs of the store.
type Store interface {
	store.Risk
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
	ListSenders(ctx context.Context) ([]store.Sender, error)
	SetSenderState(ctx context.Context, phoneNumberID string, state store.SenderState, code int, reason string, at time.Time) error
	RecordOutcomes(ctx context.Context, outcomes []store.Outcome, forwards []store.Forward) error
}

// Warmup is the reduced rate after a resume: the rate factor starts at
// Start and rises linearly to 1 over Duration.
type Warmup struct {
	Start    float64       `json:"start"`
	Duration time.Duration `json:"duration"`
}

// Factor is the warm-up's rate factor at now for a warm-up running from
// from to until (1 outside it).
func (w Warmup) Factor(from, until, now time.Time) float64 {
	if from.IsZero() || !now.Before(until) || !until.After(from) {
		return 1
	}
	if now.Before(from) {
		return w.Start
	}
	done := float64(now.Sub(from)) / float64(until.Sub(from))
	return w.Start + (1-w.Start)*done
}

// Config configures an Engine; zero fields take the defaults.
type Config struct {
	Weights    Weights
	Thresholds Thresholds
	// MinSent is how many sends a window needs before its rates count
	// (50): a few opt-outs of a handful of messages say little.
	MinSent int64
	// SlowFactor is the rate factor of the slow brake (0.5).
	SlowFactor float64
	Warmup     Warmup
	// PauseRecheck is how long a message held by a pause waits before it
	// is asked again (1 min).
	PauseRecheck time.Duration
	// Every is the period of Run's tick: expiries, reconciling with hand
	// resumes, refreshing the cache from other replicas' decisions (1 s).
	Every time.Duration
	// CampaignOf names the campaign a signal belongs to ("" none).
	// Campaigns do not exist yet; when they do, they plug in here.
	CampaignOf func(signal.Signal) string
	// OptOut reports whether an inbound text is an opt-out for the tenant
	// (nil: only Meta's user_preferences stops count).
	OptOut  func(tenantID, text string) bool
	Mailer  *Mailer
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	Now     func() time.Time
}

func (c *Config) defaults() {
	if c.Weights == (Weights{}) {
		c.Weights = DefaultWeights()
	}
	if c.Thresholds == (Thresholds{}) {
		c.Thresholds = DefaultThresholds()
	}
	if c.MinSent <= 0 {
		c.MinSent = 50
	}
	if c.SlowFactor <= 0 || c.SlowFactor > 1 {
		c.SlowFactor = 0.5
	}
	if c.Warmup.Start <= 0 || c.Warmup.Start > 1 {
		c.Warmup.Start = 0.25
	}
	if c.Warmup.Duration <= 0 {
		c.Warmup.Duration = 24 * time.Hour
	}
	if c.PauseRecheck <= 0 {
		c.PauseRecheck = time.Minute
	}
	if c.Every <= 0 {
		c.Every = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Engine is the risk engine. It is safe for concurrent use.
type Engine struct {
	st  Store
	cfg Config
	log *slog.Logger

	mu     sync.RWMutex
	brakes map[string]store.Brake // phone_number_id → the sender's brake (campaign "")
	// decide serialises decisions, so two batches cannot both open an
	// incident or both send the same alert.
	decide sync.Mutex
}

// New builds an engine.
func New(st Store, cfg Config) *Engine {
	cfg.defaults()
	return &Engine{st: st, cfg: cfg, log: cfg.Logger, brakes: map[string]store.Brake{}}
}

// Config returns the engine's configuration with its defaults.
func (e *Engine) Config() Config { return e.cfg }

// Load reads every brake into the cache; call it before serving.
func (e *Engine) Load(ctx context.Context) error {
	list, err := e.st.ListBrakes(ctx)
	if err != nil {
		return fmt.Errorf("risk: load brakes: %w", err)
	}
	m := make(map[string]store.Brake, len(list))
	for _, b := range list {
		if b.CampaignID == "" {
			m[b.PhoneNumberID] = b
		}
	}
	e.mu.Lock()
	e.brakes = m
	e.mu.Unlock()
	return nil
}

// Brake returns a sender's brake as this replica knows it (at most Every
// old for another replica's decision; at once for its own).
func (e *Engine) Brake(phoneNumberID string) store.Brake {
	e.mu.RLock()
	b := e.brakes[phoneNumberID]
	e.mu.RUnlock()
	return b
}

// RateFactor is the factor the dispatcher applies to a sender's
// throughput: the slow brake's factor, the warm-up's, the smaller of both.
// It reads memory only.
func (e *Engine) RateFactor(phoneNumberID string) float64 {
	b := e.Brake(phoneNumberID)
	f := 1.0
	if b.Level == store.BrakeSlow && b.RateFactor > 0 {
		f = b.RateFactor
	}
	return min(f, e.cfg.Warmup.Factor(b.WarmupFrom, b.WarmupUntil, e.cfg.Now()))
}

func (e *Engine) remember(b store.Brake) {
	if b.CampaignID != "" {
		return
	}
	e.mu.Lock()
	e.brakes[b.PhoneNumberID] = b
	e.mu.Unlock()
	if mt := e.cfg.Metrics; mt != nil {
		mt.BrakeLevel.WithLabelValues(b.PhoneNumberID).Set(float64(Rank(b.Level)))
		f := 1.0
		if b.Level == store.BrakeSlow {
			f = b.RateFactor
		}
		mt.BrakeRate.WithLabelValues(b.PhoneNumberID).Set(f)
	}
}

// key of a counter within one batch.
type countKey struct {
	tenant, phone, campaign, metric string
	bucket                          time.Time
}

// stopCause is an immediate stop found in a batch.
type stopCause struct {
	level  store.BrakeLevel
	code   int
	name   string // Meta's event or the code as text
	reason string
	until  time.Time
	raw    []byte
	kind   store.IncidentKind
	lift   bool // a REINSTATE: lift the brake instead
}

// Consume implements signal.Consumer: it adds the batch's counts, then
// acts on immediate stops and re-scores the senders the batch touched. A
// batch offered again after a failure counts again; the error is on the
// cautious side (a higher score), like the dispatcher's counters.
func (e *Engine) Consume(ctx context.Context, batch []signal.Signal) error {
	counts := map[countKey]int64{}
	touched := map[string]string{} // phone → tenant
	stops := map[string][]stopCause{}
	metaLines := map[string][]store.IncidentEvent{}
	var wabaSenders map[string][]store.Sender
	sendersOf := func(s signal.Signal) ([]store.Sender, error) {
		if s.PhoneNumberID != "" {
			return []store.Sender{{PhoneNumberID: s.PhoneNumberID, TenantID: s.TenantID, WABAID: s.WABAID}}, nil
		}
		if s.WABAID == "" {
			return nil, nil
		}
		if wabaSenders == nil {
			all, err := e.st.ListSenders(ctx)
			if err != nil {
				return nil, fmt.Errorf("risk: senders: %w", err)
			}
			wabaSenders = map[string][]store.Sender{}
			for _, snd := range all {
				wabaSenders[snd.WABAID] = append(wabaSenders[snd.WABAID], snd)
			}
		}
		return wabaSenders[s.WABAID], nil
	}
	for _, s := range batch {
		if s.TenantID == "" {
			continue // nobody's number: nothing to hold back
		}
		at := s.At
		if at.IsZero() {
			at = e.cfg.Now()
		}
		campaign := ""
		if e.cfg.CampaignOf != nil {
			campaign = e.cfg.CampaignOf(s)
		}
		var metrics []string
		var cause *stopCause
		switch s.Kind {
		case signal.Status:
			switch s.Status {
			case wire.StatusSent:
				metrics = append(metrics, MetricSent)
			case wire.StatusDelivered:
				metrics = append(metrics, MetricDelivered)
			case wire.StatusRead:
				metrics = append(metrics, MetricRead)
			case wire.StatusFailed:
				for _, c := range s.Codes {
					metrics = append(metrics, FailedMetric(c))
					if c2 := stopForCode(c, ""); c2 != nil && cause == nil {
						c2.raw = s.Raw
						cause = c2
					}
				}
			}
		case signal.Inbound:
			metrics = append(metrics, MetricReplied)
			if e.cfg.OptOut != nil {
				if text := inboundText(s.Raw); text != "" && e.cfg.OptOut(s.TenantID, text) {
					metrics = append(metrics, MetricOptOut)
				}
			}
		case signal.Event:
			ev := parseEvent(s.Field, s.Raw)
			if s.Field == "user_preferences" {
				for range ev.stops {
					metrics = append(metrics, MetricOptOut)
				}
			}
			if m := metricOfEvent(s.Field, ev.name); m != "" {
				metrics = append(metrics, m)
			}
			cause = stopForEvent(s.Field, ev, s.Raw)
			if cause == nil && flagging(s.Field, ev.name) {
				// Not a stop, but it opens (or joins) an incident.
				cause = &stopCause{level: store.BrakeNone, name: ev.name, raw: s.Raw, kind: store.IncidentFlag,
					reason: s.Field + " " + ev.name}
			}
		}
		if len(metrics) == 0 && cause == nil {
			continue
		}
		snds, err := sendersOf(s)
		if err != nil {
			return err
		}
		for _, snd := range snds {
			tenant := snd.TenantID
			if tenant == "" {
				tenant = s.TenantID
			}
			touched[snd.PhoneNumberID] = tenant
			for _, m := range metrics {
				counts[countKey{tenant, snd.PhoneNumberID, "", m, at.UTC().Truncate(time.Hour)}]++
				if campaign != "" {
					counts[countKey{tenant, snd.PhoneNumberID, campaign, m, at.UTC().Truncate(time.Hour)}]++
				}
			}
			if cause != nil {
				stops[snd.PhoneNumberID] = append(stops[snd.PhoneNumberID], *cause)
			} else if s.Kind == signal.Event {
				// Meta's events join an open incident's timeline.
				metaLines[snd.PhoneNumberID] = append(metaLines[snd.PhoneNumberID], store.IncidentEvent{
					At: at, Kind: store.EventMeta, Name: s.Field, Detail: s.Field, Raw: s.Raw})
			}
		}
	}
	if len(counts) > 0 {
		rows := make([]store.RiskCount, 0, len(counts))
		for k, n := range counts {
			rows = append(rows, store.RiskCount{TenantID: k.tenant, PhoneNumberID: k.phone, CampaignID: k.campaign,
				Metric: k.metric, Bucket: k.bucket, N: n})
		}
		if err := e.st.AddRiskCounts(ctx, rows); err != nil {
			return fmt.Errorf("risk: %w", err)
		}
	}
	if len(touched) == 0 {
		return nil
	}
	e.decide.Lock()
	defer e.decide.Unlock()
	now := e.cfg.Now()
	phones := make([]string, 0, len(touched))
	for p := range touched {
		phones = append(phones, p)
	}
	slices.Sort(phones)
	var errs []error
	for _, p := range phones {
		if err := e.appendOpen(ctx, p, metaLines[p]); err != nil {
			errs = append(errs, err)
		}
		for _, c := range stops[p] {
			if err := e.applyStop(ctx, p, c, now); err != nil {
				errs = append(errs, err)
			}
		}
		if err := e.rescore(ctx, p, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SendRefused is the dispatcher's report of a send Meta refused with an
// account-level error (wire.StopSender codes): the engine decides what
// holds the sender back and reports whether the dispatcher's loop must
// stop (the sender is stopped) rather than go on with the messages the
// brake lets through. category is the refused message's ("service" for a
// reply in a window).
func (e *Engine) SendRefused(ctx context.Context, s store.Sender, category string, code int, detail string, at time.Time) (bool, error) {
	c := stopForCode(code, category)
	if c == nil {
		// Every other account-level code (token, permission, billing,
		// registration) fails every message alike: stop, as before.
		c = &stopCause{level: store.BrakeStop, code: code, name: strconv.Itoa(code), kind: store.IncidentPause,
			reason: fmt.Sprintf("(#%d) %s", code, wire.Title(code))}
	}
	if detail != "" {
		c.reason += ": " + detail
	}
	e.decide.Lock()
	defer e.decide.Unlock()
	if err := e.applyStop(ctx, s.PhoneNumberID, *c, at); err != nil {
		return c.level == store.BrakeStop, err
	}
	return e.Brake(s.PhoneNumberID).Level == store.BrakeStop, nil
}

// stopForCode is the immediate stop of a failure code, nil when the code
// is no stop. 131048 (spam rate limit) and 368 (restricted) hold back
// business-initiated messages — Meta limits those, replies in a window
// still go — unless the refused message was itself a reply, which shows
// that nothing goes; 131031 (account locked or disabled) stops all.
func stopForCode(code int, category string) *stopCause {
	name := strconv.Itoa(code)
	reason := fmt.Sprintf("(#%d) %s", code, wire.Title(code))
	switch code {
	case wire.CodeSpamRateLimit, wire.CodePolicyRestricted:
		lvl, kind := store.BrakePauseBusiness, store.IncidentRestriction
		if category == "service" {
			lvl = store.BrakeStop
		}
		return &stopCause{level: lvl, code: code, name: name, reason: reason, kind: kind}
	case wire.CodeAccountLocked:
		return &stopCause{level: store.BrakeStop, code: code, name: name, reason: reason, kind: store.IncidentBan}
	}
	return nil
}

// event is what the engine reads of an event field's value.
type event struct {
	name         string
	restrictions []string
	expiration   int64
	banState     string
	stops        []string // user_preferences wa_ids that stopped marketing
}

func parseEvent(field string, raw []byte) event {
	var v struct {
		Event           string `json:"event"`
		NewQualityScore string `json:"new_quality_score"`
		RestrictionInfo []struct {
			RestrictionType string          `json:"restriction_type"`
			Expiration      json.RawMessage `json:"expiration"`
		} `json:"restriction_info"`
		BanInfo struct {
			State string `json:"waba_ban_state"`
		} `json:"ban_info"`
		UserPreferences []struct {
			WaID     string `json:"wa_id"`
			Category string `json:"category"`
			Value    string `json:"value"`
		} `json:"user_preferences"`
	}
	_ = json.Unmarshal(raw, &v) // unknown shapes count as nothing; they are still forwarded and stored
	ev := event{name: v.Event, banState: v.BanInfo.State}
	if field == "message_template_quality_update" {
		ev.name = v.NewQualityScore
	}
	for _, r := range v.RestrictionInfo {
		ev.restrictions = append(ev.restrictions, r.RestrictionType)
		if n, err := strconv.ParseInt(string(trimQuotes(r.Expiration)), 10, 64); err == nil && n > ev.expiration {
			ev.expiration = n
		}
	}
	for _, p := range v.UserPreferences {
		if p.Value == "stop" {
			ev.stops = append(ev.stops, p.WaID)
		}
	}
	return ev
}

func trimQuotes(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// stopForEvent is the immediate stop of an event, nil when none.
func stopForEvent(field string, ev event, raw []byte) *stopCause {
	if field != "account_update" {
		return nil
	}
	switch ev.name {
	case "ACCOUNT_RESTRICTION":
		c := &stopCause{level: store.BrakePauseBusiness, name: ev.name, raw: raw, kind: store.IncidentRestriction,
			reason: "Meta restricted the account: " + fmt.Sprint(ev.restrictions)}
		if ev.expiration > 0 {
			c.until = time.Unix(ev.expiration, 0).UTC()
		}
		if slices.Contains(ev.restrictions, "RESTRICTED_CUSTOMER_INITIATED_MESSAGING") || ev.expiration == 0 {
			// Replies are blocked too, or the restriction has no end
			// (a lock): nothing goes.
			c.level = store.BrakeStop
		}
		return c
	case "DISABLED_UPDATE":
		if ev.banState == "REINSTATE" {
			return &stopCause{lift: true, name: ev.name, raw: raw, reason: "Meta reinstated the account"}
		}
		return &stopCause{level: store.BrakeStop, name: ev.name, raw: raw, kind: store.IncidentBan,
			reason: "Meta disabled the account (" + ev.banState + ")"}
	}
	return nil
}

// flagging reports whether an event opens an incident without a stop.
func flagging(field, name string) bool {
	switch field {
	case "phone_number_quality_update":
		return name == "FLAGGED" || name == "DOWNGRADE"
	case "message_template_status_update":
		return name == "PAUSED" || name == "DISABLED"
	case "account_update":
		return name == "ACCOUNT_VIOLATION"
	}
	return false
}

func inboundText(raw []byte) string {
	var m struct {
		Type string `json:"type"`
		Text struct {
			Body string `json:"body"`
		} `json:"text"`
		Button struct {
			Text string `json:"text"`
		} `json:"button"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	switch m.Type {
	case "text":
		return m.Text.Body
	case "button":
		return m.Button.Text
	}
	return ""
}

// current returns a sender's brake from the store (the cache may be a
// tick old when another replica decided).
func (e *Engine) current(ctx context.Context, phone string) (store.Brake, error) {
	b, err := e.st.GetBrake(ctx, phone, "")
	if errors.Is(err, store.ErrNotFound) {
		return store.Brake{PhoneNumberID: phone, RateFactor: 1}, nil
	}
	if err != nil {
		return b, fmt.Errorf("risk: %w", err)
	}
	return b, nil
}

// applyStop acts on an immediate stop, a flag or a reinstatement.
func (e *Engine) applyStop(ctx context.Context, phone string, c stopCause, now time.Time) error {
	snd, err := e.st.GetSender(ctx, phone)
	if err != nil {
		return fmt.Errorf("risk: sender %s: %w", phone, err)
	}
	b, err := e.current(ctx, phone)
	if err != nil {
		return err
	}
	metaLine := store.IncidentEvent{At: now, Kind: store.EventMeta, Name: c.name, Detail: c.reason, Raw: c.raw}
	if c.lift {
		if Rank(b.Level) < Rank(store.BrakePauseMarketing) {
			return e.appendOpen(ctx, phone, []store.IncidentEvent{metaLine})
		}
		return e.release(ctx, snd, b, "meta", c.reason, now, []store.IncidentEvent{metaLine})
	}
	if c.level == store.BrakeNone {
		// A flag: an incident, no brake (the score decides that).
		return e.openOrAppend(ctx, snd, c.kind, c.reason, now, metaLine)
	}
	if Rank(b.Level) > Rank(c.level) || (b.Level == c.level && b.Code == c.code && !c.until.After(b.Until)) {
		// Already held back as hard: only the timeline learns of it.
		return e.appendOpen(ctx, phone, []store.IncidentEvent{metaLine})
	}
	nb := store.Brake{TenantID: snd.TenantID, PhoneNumberID: phone, Level: c.level, RateFactor: 1, Code: c.code,
		Reason: c.reason, Score: b.Score, Until: c.until, ChangedAt: now}
	if Rank(b.Level) == Rank(c.level) && b.Until.After(nb.Until) {
		nb.Until = b.Until
	}
	return e.set(ctx, snd, b, nb, "meta", now, c.kind, metaLine)
}

// rescore reads a sender's windows and moves its brake with the score:
// up to any level, down only from slow (a pause waits for a resume).
func (e *Engine) rescore(ctx context.Context, phone string, now time.Time) error {
	counts, err := e.st.RiskCounts(ctx, phone, "", now.Add(-WindowWeek).Truncate(time.Hour))
	if err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	hour, day, week := Windows(counts, now)
	sc := Compute(e.cfg.Weights, e.cfg.MinSent, hour, day, week)
	if mt := e.cfg.Metrics; mt != nil {
		mt.RiskScore.WithLabelValues(phone).Set(sc.Total)
	}
	b, err := e.current(ctx, phone)
	if err != nil {
		return err
	}
	want := e.cfg.Thresholds.LevelFor(sc.Total)
	switch {
	case Rank(want) > Rank(b.Level):
	case b.Level == store.BrakeSlow && !b.Manual && sc.Total < e.cfg.Thresholds.Slow-e.cfg.Thresholds.Hysteresis:
		want = store.BrakeNone
	default:
		return nil
	}
	snd, err := e.st.GetSender(ctx, phone)
	if err != nil {
		return fmt.Errorf("risk: sender %s: %w", phone, err)
	}
	nb := b
	nb.TenantID, nb.Level, nb.Score, nb.Code, nb.ChangedAt, nb.Manual = snd.TenantID, want, sc.Total, 0, now, false
	nb.RateFactor = 1
	if want == store.BrakeSlow {
		nb.RateFactor = e.cfg.SlowFactor
	}
	nb.Reason = fmt.Sprintf("risk score %.1f %s", sc.Total, describe(sc))
	decision := store.IncidentEvent{At: now, Kind: store.EventDecision, Name: "score", Detail: nb.Reason}
	kind := store.IncidentPause
	if want == store.BrakeSlow || want == store.BrakeNone {
		kind = "" // a slow-down alone opens no incident
	}
	return e.set(ctx, snd, b, nb, "score", now, kind, decision)
}

func describe(sc Score) string {
	keys := make([]string, 0, len(sc.Parts))
	for k := range sc.Parts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := "("
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %.1f", k, sc.Parts[k])
	}
	return out + fmt.Sprintf("; %d sent)", sc.Sent)
}

// set stores a new brake and does what follows: the sender's state for a
// stop (or a lifted stop), the alert, the incident.
func (e *Engine) set(ctx context.Context, snd store.Sender, old, nb store.Brake, cause string, now time.Time, kind store.IncidentKind, lines ...store.IncidentEvent) error {
	if err := e.st.PutBrake(ctx, nb); err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	e.remember(nb)
	if nb.Level == store.BrakeStop && snd.State != store.SenderStopped {
		code := nb.Code
		if code == 0 {
			code = wire.CodeAccountLocked
		}
		if err := e.st.SetSenderState(ctx, snd.PhoneNumberID, store.SenderStopped, code, nb.Reason, now); err != nil {
			return fmt.Errorf("risk: stop %s: %w", snd.PhoneNumberID, err)
		}
	}
	action := store.IncidentEvent{At: now, Kind: store.EventAction, Name: "brake." + levelName(nb.Level), Detail: nb.Reason}
	lines = append(lines, action)
	if kind != "" {
		if err := e.openOrAppend(ctx, snd, kind, nb.Reason, now, lines...); err != nil {
			return err
		}
	} else if err := e.appendOpen(ctx, snd.PhoneNumberID, lines); err != nil {
		return err
	}
	return e.alert(ctx, snd, old, nb, cause, now)
}

func levelName(l store.BrakeLevel) string {
	if l == store.BrakeNone {
		return "none"
	}
	return string(l)
}

// openOrAppend adds lines to the sender's open incident, opening one when
// none is.
func (e *Engine) openOrAppend(ctx context.Context, snd store.Sender, kind store.IncidentKind, title string, now time.Time, lines ...store.IncidentEvent) error {
	open, err := e.st.OpenIncidentOf(ctx, snd.PhoneNumberID, "")
	if err == nil {
		for i := range lines {
			lines[i].IncidentID = open.ID
		}
		if err := e.st.AppendIncidentEvents(ctx, lines); err != nil {
			return fmt.Errorf("risk: %w", err)
		}
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("risk: %w", err)
	}
	in := store.Incident{ID: newID(), TenantID: snd.TenantID, PhoneNumberID: snd.PhoneNumberID, WABAID: snd.WABAID,
		Kind: kind, Title: title, OpenedAt: now, Timeline: lines}
	if err := e.st.OpenIncident(ctx, in); err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	if mt := e.cfg.Metrics; mt != nil {
		mt.IncidentsOpen.WithLabelValues(string(kind)).Inc()
	}
	e.log.WarnContext(ctx, "incident opened", "incident", in.ID, "sender", snd.PhoneNumberID, "kind", kind, "title", title)
	return nil
}

// appendOpen adds lines to the sender's open incident, if one is open.
func (e *Engine) appendOpen(ctx context.Context, phone string, lines []store.IncidentEvent) error {
	if len(lines) == 0 {
		return nil
	}
	open, err := e.st.OpenIncidentOf(ctx, phone, "")
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	for i := range lines {
		lines[i].IncidentID = open.ID
	}
	if err := e.st.AppendIncidentEvents(ctx, lines); err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	return nil
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "inc_" + hex.EncodeToString(b[:])
}
