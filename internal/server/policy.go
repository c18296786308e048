package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/content/classifier"
	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/holiday"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/optout"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/risk"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/template"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// compliance is the acceptance path with what keeps its facts current.
type compliance struct {
	// risk is the risk engine: its brakes reach the facts of every
	// message, and it consumes the signals.
	risk     *risk.Engine
	intake   *intake.Service
	facts    *intake.Facts
	ledger   *consent.Ledger
	signals  *signal.Bus
	sendTime sendTimeStage
	// content is the content checker the facts loader runs, with each
	// tenant's actions; the template lint runs it too.
	content        *content.Checker
	contentActions func(tenantID string) content.Actions
	// keepSends is how long counted sends are kept: the longest window
	// any tenant's caps or repeat guard look back (zero: nothing counted).
	keepSends time.Duration
	// quota is the business portfolios' messaging limit.
	quota *limits.Quota
	// optOut are the tenants' own keyword matchers (absent: the defaults).
	optOut map[string]*optout.Matcher
}

// confirm queues the reply confirming an opt-out, through the intake.
func (c *compliance) confirm(ctx context.Context, cf optout.Confirmation) error {
	to := cf.WaID
	if !phone.IsBSUID(to) {
		to = "+" + to
	}
	body, err := json.Marshal(map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual",
		"to": to, "type": "text", "text": map[string]string{"body": cf.Text}})
	if err != nil {
		return err
	}
	res, err := c.intake.AcceptConfirmation(ctx, intake.Request{TenantID: cf.TenantID, PhoneNumberID: cf.PhoneNumberID, Body: body})
	if err != nil {
		return err
	}
	if res.Outcome != intake.Accepted {
		return fmt.Errorf("confirmation refused: %s", res.Decision.Code)
	}
	return nil
}

// askConfirmation sends the double opt-in template for a marketing opt-in
// recorded off WhatsApp. A failure is logged: the opt-in stays unconfirmed,
// which is the safe side.
func (c *compliance) askConfirmation(ctx context.Context, d *config.DoubleOptIn, tenantID, waID string, req consent.Request, log *slog.Logger) {
	if req.Action != consent.OptIn || (req.Category != consent.Marketing && req.Category != consent.All) ||
		req.Source == consent.WhatsAppKeyword || req.Source == consent.UserPreferences {
		return
	}
	to := waID
	if !phone.IsBSUID(to) {
		to = "+" + to
	}
	body, err := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "template",
		"template": map[string]any{"name": d.Template, "language": map[string]string{"code": d.Language}}})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	res, err := c.intake.AcceptOptInRequest(ctx, intake.Request{TenantID: tenantID, PhoneNumberID: d.PhoneNumberID, Body: body})
	switch {
	case err != nil:
		log.Error("double opt-in: confirmation request not queued", "tenant_id", tenantID, "err", err)
	case res.Outcome != intake.Accepted:
		log.Warn("double opt-in: confirmation request refused", "tenant_id", tenantID, "code", res.Decision.Code)
	}
}

// replyContext tells what the business message a reply quotes was: a
// request for consent (double opt-in) or a marketing message.
func replyContext(ctx context.Context, st store.Store, tenantID, metaID string) optout.Context {
	refs, err := st.MessagesByMetaID(ctx, []string{metaID})
	if err != nil {
		return optout.Context{}
	}
	ref, ok := refs[metaID]
	if !ok || ref.TenantID != tenantID {
		return optout.Context{}
	}
	m, err := st.GetMessage(ctx, ref.ID)
	if err != nil {
		return optout.Context{}
	}
	switch m.Category {
	case intake.CategoryOptInRequest:
		return optout.Context{ReplyToOptInRequest: true}
	case string(consent.Marketing):
		return optout.Context{ReplyToMarketing: true}
	}
	return optout.Context{}
}

// sendTimeStage adapts the intake's send-time stage to the dispatcher.
type sendTimeStage struct{ st *intake.SendTime }

// CheckSend implements dispatch.SendTimeCheck.
func (s sendTimeStage) CheckSend(ctx context.Context, msg *store.Message, now time.Time) (*dispatch.LateRefusal, error) {
	late, err := s.st.Check(ctx, msg, now)
	return lateRefusal(late), err
}

// CheckSends implements dispatch.SendTimeBatch: one reservation
// transaction for the whole claim.
func (s sendTimeStage) CheckSends(ctx context.Context, msgs []store.Message, now time.Time) ([]*dispatch.LateRefusal, []error) {
	ptrs := make([]*store.Message, len(msgs))
	for i := range msgs {
		ptrs[i] = &msgs[i]
	}
	lates, errs := s.st.CheckBatch(ctx, ptrs, now)
	out := make([]*dispatch.LateRefusal, len(lates))
	for i, l := range lates {
		out[i] = lateRefusal(l)
	}
	return out, errs
}

// RecheckSend implements dispatch.SendTimeBatch.
func (s sendTimeStage) RecheckSend(ctx context.Context, msg *store.Message, now time.Time) (*dispatch.LateRefusal, error) {
	late, err := s.st.Recheck(ctx, msg, now)
	return lateRefusal(late), err
}

// ReleaseSend implements dispatch.SendTimeBatch.
func (s sendTimeStage) ReleaseSend(ctx context.Context, msg *store.Message) error {
	return s.st.Release(ctx, msg)
}

func lateRefusal(late *intake.Late) *dispatch.LateRefusal {
	if late == nil {
		return nil
	}
	return &dispatch.LateRefusal{Code: late.Decision.Code, Status: late.Status, Until: late.Until}
}

// factRules returns the fact rules a policy enforces, in order: the
// cheapest and most final refusals first. Suppression is always on. The
// cadence rules come last, quiet hours after the caps: a deferral ends the
// pipeline, and a message over its cap must be refused, not deferred.
func factRules(p config.Policy, doubleOptIn bool, actions content.Actions, cad cadence) *policy.Pipeline {
	// The risk engine's brake first: a memory read, and a paused sender's
	// messages wait whatever the other rules would say.
	rules := []policy.Rule{policy.Suppression{}, policy.BSUIDAuth{}, policy.SenderBrake{}}
	// Meta does not deliver marketing to US numbers: always refused; and
	// marketing to a person Meta capped (131049) waits out the hold.
	rules = append(rules, policy.USMarketing{}, policy.MarketingHold{Hold: p.MarketingHold.D()})
	if config.Enforces(p.Template) {
		// TemplatePause holds queued messages of a template paused
		// since their acceptance (it only acts at send time: at intake
		// Template refuses first).
		rules = append(rules, policy.Template{}, policy.TemplatePause{})
	}
	if config.Enforces(p.ContentCheck) {
		rules = append(rules, policy.Content{Actions: actions})
	}
	if config.Enforces(p.Consent) {
		rules = append(rules, policy.Consent{Confirmed: doubleOptIn})
	}
	if config.Enforces(p.Window) {
		rules = append(rules, policy.Window{})
	}
	if len(cad.limits.Caps) > 0 {
		rules = append(rules, policy.Frequency{Caps: cad.limits.Caps})
	}
	if cad.limits.Repeat > 0 {
		rules = append(rules, policy.Repeat{Within: cad.limits.Repeat})
	}
	if cad.quiet != nil {
		rules = append(rules, policy.QuietHours{Hours: *cad.quiet})
	}
	// Meta's limit holds whatever the tenant's policy: last, so that a
	// message another rule refuses takes no slot.
	rules = append(rules, policy.MessagingLimit{})
	return policy.New(rules...)
}

// cadence is a tenant's frequency caps, repeat guard and quiet hours.
type cadence struct {
	limits intake.CadenceLimits
	quiet  *policy.Hours // nil when off
}

// cadenceFor resolves a tenant's cadence rules from the configuration
// ("" for the defaults of tenants the file does not declare).
func cadenceFor(cfg config.Config, tenantID string) cadence {
	var out cadence
	if f := cfg.FrequencyFor(tenantID); f.Enforced {
		out.limits.Repeat = f.RepeatWithin
		for cat, c := range f.Caps {
			if c.Max > 0 && c.Per > 0 {
				if out.limits.Caps == nil {
					out.limits.Caps = map[consent.Category]policy.Cap{}
				}
				out.limits.Caps[consent.Category(cat)] = policy.Cap{Max: c.Max, Per: c.Per}
			}
		}
	}
	if q := cfg.QuietHoursFor(tenantID); q.Enforced {
		h := &policy.Hours{Zone: q.ZoneOverride, Fallback: q.DefaultZone, Spread: q.Spread}
		if h.Fallback == "" && cfg.DefaultRegion == "BR" {
			h.Fallback = phone.BrazilDefaultZone
		}
		for i, d := range q.Days {
			h.Days[i] = policy.Span{Start: d.Start, End: d.End}
		}
		// The dates were validated when the configuration loaded.
		if cal, err := holiday.NewCalendar(q.BrazilHolidays, q.ExtraHolidays); err == nil {
			h.Holidays = cal
		}
		if q.HolidaySunday {
			h.OnHoliday = policy.HolidaySunday
		}
		out.quiet = h
	}
	return out
}

// buildCompliance assembles the intake: the request rules, the facts loader
// over the consent ledger and the windows, and each tenant's fact rules.
//
// cls is the content checker's statistical layer (nil leaves it off).
func buildCompliance(cfg config.Config, st store.Store, m *metrics.Metrics, notify func(string), log *slog.Logger, tc *template.Cache, cls content.Classifier) (*compliance, error) {
	c := &compliance{}
	doubleOptIn := map[string]*config.DoubleOptIn{}
	for _, t := range cfg.Tenants {
		if t.DoubleOptIn != nil {
			doubleOptIn[t.ID] = t.DoubleOptIn
		}
	}
	ttl := time.Duration(cfg.Policy.FactsTTL)
	c.ledger = consent.New(st, consent.WithDefaultRegion(cfg.DefaultRegion),
		consent.WithOnChange(func(tenantID, waID string) { c.facts.Forget(tenantID, waID) }),
		consent.WithOnErased(func(ctx context.Context, tenantID, waID string) error {
			rep, err := EraseContactData(ctx, st, tenantID, waID)
			if err == nil {
				log.Info("contact erased", "tenant_id", tenantID, "messages", rep.Messages, "failed", rep.Failed,
					"decisions", rep.Decisions, "inbound", rep.Inbound, "forwards", rep.Forwards, "cancelled_forwards", rep.Cancelled, "raw_deliveries", rep.Deliveries, "contacts", rep.Contacts)
			}
			return err
		}),
		consent.WithOnRecorded(func(ctx context.Context, tenantID, waID string, req consent.Request) {
			if d, ok := doubleOptIn[tenantID]; ok {
				c.askConfirmation(ctx, d, tenantID, waID, req, log)
			}
		}))
	var thresholds content.Thresholds
	if t := cfg.Policy.ContentThresholds; t != nil {
		thresholds = content.Thresholds{Spam: t.Spam, Smishing: t.Smishing}
	}
	copts := []content.Option{content.WithThresholds(thresholds)}
	if cls != nil {
		copts = append(copts, content.WithClassifier(cls))
	}
	c.content = content.New(copts...)
	cadences := map[string]cadence{}
	defaultCadence := cadenceFor(cfg, "")
	c.keepSends = defaultCadence.limits.Lookback()
	for _, t := range cfg.Tenants {
		cad := cadenceFor(cfg, t.ID)
		cadences[t.ID] = cad
		c.keepSends = max(c.keepSends, cad.limits.Lookback())
	}
	cadenceOf := func(tenantID string) cadence {
		if cad, ok := cadences[tenantID]; ok {
			return cad
		}
		return defaultCadence
	}
	// The cadence rules see the sends this process committed; the commit
	// counts every replica's (see intake.FactsConfig.Sends): no store read
	// per template on the hot path.
	fc := intake.FactsConfig{Consent: c.ledger, Windows: st, Identities: st, TTL: ttl,
		Content: c.content, Logger: log.With("component", "content"),
		Lookback: func(tenantID string) time.Duration { return cadenceOf(tenantID).limits.Lookback() }}
	fc.Failures = st // 131049 failures, for the marketing hold
	c.risk = newRiskEngine(cfg, st, m, log.With("component", "risk"), func(tenantID, text string) bool {
		mt := c.optOut[tenantID]
		if mt == nil {
			mt = optout.Default()
		}
		return mt.Match(text).Kind == optout.KindOptOut
	})
	fc.Brakes = brakeFacts{c.risk}
	c.quota = newQuota(cfg, st, log)
	fc.Quota = c.quota
	if tc != nil {
		fc.Templates = templateFacts{tc}
	}
	c.facts = intake.NewFacts(fc)
	defaultActions, err := content.ParseActions(cfg.Policy.Content)
	if err != nil {
		return nil, err
	}
	perTenant := map[string]*policy.Pipeline{}
	tenantActions := map[string]content.Actions{}
	for _, t := range cfg.Tenants {
		actions, err := cfg.ContentActionsFor(t.ID)
		if err != nil {
			return nil, fmt.Errorf("tenant %s: %w", t.ID, err)
		}
		tenantActions[t.ID] = actions
		perTenant[t.ID] = factRules(cfg.PolicyFor(t.ID), t.DoubleOptIn != nil, actions, cadences[t.ID])
	}
	c.contentActions = func(tenantID string) content.Actions {
		if a, ok := tenantActions[tenantID]; ok {
			return a
		}
		return defaultActions
	}
	in, err := intake.New(intake.Config{
		Store:       st,
		Pipeline:    policy.New(policy.DefaultRules(cfg.DefaultRegion)...),
		Rules:       factRules(cfg.Policy, false, defaultActions, defaultCadence),
		Cadence:     func(tenantID string) intake.CadenceLimits { return cadenceOf(tenantID).limits },
		TenantRules: perTenant,
		Facts:       c.facts,
		Stopped:     dispatch.StoppedSendError,
		Notify:      notify,
		Logger:      log.With("component", "intake"),
		Metrics:     m,
	})
	if err != nil {
		return nil, err
	}
	c.intake = in
	sendRules := map[string]*policy.Pipeline{}
	for id, p := range perTenant {
		sendRules[id] = intake.SendTimeRules(p)
	}
	defaultSend := intake.SendTimeRules(factRules(cfg.Policy, false, defaultActions, defaultCadence))
	c.sendTime = sendTimeStage{intake.NewSendTime(c.facts, func(tenantID string) *policy.Pipeline {
		if p, ok := sendRules[tenantID]; ok {
			return p
		}
		return defaultSend
	}).WithQuota(c.quota)}

	matchers := map[string]*optout.Matcher{}
	for _, t := range cfg.Tenants {
		if t.OptOut == nil {
			continue
		}
		m, err := optout.FromConfig(t.OptOut)
		if err != nil {
			return nil, fmt.Errorf("tenant %s optout: %w", t.ID, err)
		}
		matchers[t.ID] = m
	}
	c.optOut = matchers
	c.signals = &signal.Bus{}
	confirms := map[string]*config.OptOut{}
	for _, t := range cfg.Tenants {
		if t.OptOut != nil && t.OptOut.Confirm {
			confirms[t.ID] = t.OptOut
		}
	}
	rec := optout.NewRecorder(c.ledger, func(id string) *optout.Matcher { return matchers[id] }, log.With("component", "consent"))
	rec.WithContext(func(ctx context.Context, tenantID, metaID string) optout.Context {
		return replyContext(ctx, st, tenantID, metaID)
	})
	rec.WithConfirmations(c.confirm, func(tenantID string) (bool, map[string]string) {
		o, ok := confirms[tenantID]
		if !ok {
			return false, nil
		}
		return true, o.ConfirmText
	})
	c.signals.Subscribe("consent", rec)
	if tc != nil {
		c.signals.Subscribe("templates", templateSignals(tc, log.With("component", "templates")))
	}
	c.signals.Subscribe("identities", signal.ConsumerFunc(func(ctx context.Context, batch []signal.Signal) error {
		var ids []store.Identity
		for _, s := range batch {
			if s.Kind == signal.Inbound && s.TenantID != "" && s.WaID != "" && s.UserID != "" {
				ids = append(ids, store.Identity{TenantID: s.TenantID, WaID: phone.Canonical(s.WaID), UserID: s.UserID, SeenAt: s.At})
			}
		}
		return st.PutIdentities(ctx, ids)
	}))
	c.signals.Subscribe("limits", c.quota.Signals(st))
	c.signals.Subscribe("risk", c.risk)
	c.signals.Subscribe("limits-release", releaseFailed(st, c.quota, log.With("component", "limits")))
	c.signals.Subscribe("windows", signal.ConsumerFunc(func(_ context.Context, batch []signal.Signal) error {
		for _, s := range batch {
			if s.Kind == signal.Inbound && s.WaID != "" && !s.At.IsZero() {
				c.facts.Opened(s.PhoneNumberID, phone.Canonical(s.WaID), s.At)
			}
		}
		return nil
	}))
	return c, nil
}

// newQuota builds the portfolios' messaging limit from the configuration.
func newQuota(cfg config.Config, st store.Store, log *slog.Logger) *limits.Quota {
	ps := make([]limits.Portfolio, 0, len(cfg.Portfolios))
	for _, p := range cfg.Portfolios {
		ps = append(ps, limits.Portfolio{ID: p.ID, WABAs: p.WABAIDs, Tier: p.Tier, Cap: p.Limit})
	}
	return limits.New(limits.Config{Store: st, Portfolios: ps, Logger: log.With("component", "limits"),
		Warmup: limits.WarmupConfig{Curve: cfg.Warmup.Curve, Off: cfg.Warmup.Off}})
}

// releaseFailed gives back the messaging-limit slot of a message Meta
// failed: Meta counts the recipients it delivered to, and a failed message
// reached nobody. A slot used again since by another message is kept.
func releaseFailed(st store.Store, q *limits.Quota, log *slog.Logger) signal.Consumer {
	return signal.ConsumerFunc(func(ctx context.Context, batch []signal.Signal) error {
		var ids []string
		for _, s := range batch {
			if s.Kind == signal.Status && s.Status == "failed" && s.MessageID != "" {
				ids = append(ids, s.MessageID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		refs, err := st.MessagesByMetaID(ctx, ids)
		if err != nil {
			return fmt.Errorf("limits: failed messages: %w", err)
		}
		for _, ref := range refs {
			m, err := st.GetMessage(ctx, ref.ID)
			if err != nil {
				return fmt.Errorf("limits: failed message: %w", err)
			}
			if m.WaID == "" {
				continue
			}
			if err := q.Release(ctx, m.SenderID, m.WaID, m.ID); err != nil {
				return err
			}
			log.Debug("limits: slot of a failed message released", "message_id", m.ID)
		}
		return nil
	})
}

// NewIntake builds the acceptance path on an open store as serve does, for
// commands that decide on messages without serving (`wabaguard check
// --send`). Close the service when done.
func NewIntake(cfg config.Config, st store.Store, log *slog.Logger) (*intake.Service, error) {
	tc := template.NewCache(st, template.WithLogger(log))
	if err := tc.Load(context.Background()); err != nil {
		return nil, err
	}
	reg := classifier.NewRegistry(st, log)
	if err := reg.Refresh(context.Background()); err != nil {
		return nil, err
	}
	c, err := buildCompliance(cfg, st, metrics.New(prometheus.NewRegistry()), nil, log, tc, reg)
	if err != nil {
		return nil, err
	}
	return c.intake, nil
}

// NewLedger builds the consent ledger on an open store as serve does, with
// every hook: the contact's other data erased with the ledger's, and, for
// a double opt-in tenant, the confirmation request queued in the outbox
// (the serving dispatcher sends it) for an opt-in recorded from the CLI.
// Call done when finished: it waits for what the intake holds.
func NewLedger(cfg config.Config, st store.Store, log *slog.Logger) (l *consent.Ledger, done func(), err error) {
	tc := template.NewCache(st, template.WithLogger(log))
	if err := tc.Load(context.Background()); err != nil {
		return nil, nil, err
	}
	c, err := buildCompliance(cfg, st, metrics.New(prometheus.NewRegistry()), nil, log, tc, nil)
	if err != nil {
		return nil, nil, err
	}
	return c.ledger, c.intake.Close, nil
}

// templateFacts reads the local template cache for the template rule and
// the consent rule (which needs the template's category).
type templateFacts struct{ c *template.Cache }

// TemplateFacts implements intake.TemplateReader.
func (t templateFacts) TemplateFacts(m *policy.Message) *policy.TemplateFacts {
	if m.Request == nil || !m.Request.IsTemplate() || m.Sender == nil {
		return nil
	}
	tp := m.Request.Template
	lang := ""
	if tp.Language != nil {
		lang = tp.Language.Code
	}
	info, known := t.c.LookupRef(m.Sender.WABAID, tp.Name, lang)
	switch known {
	case template.NotSynced:
		return &policy.TemplateFacts{Status: policy.TemplateNotSynced}
	case template.Absent:
		return &policy.TemplateFacts{Status: policy.TemplateAbsent}
	}
	f := &policy.TemplateFacts{Category: consent.Category(strings.ToLower(info.Category)), Body: info.Body}
	switch info.Status {
	case template.StatusApproved, template.StatusFlagged:
		// A flagged template is at risk of a pause but still sends.
		f.Status = policy.TemplateApproved
		for _, p := range template.Check(info, tp) {
			f.Problems = append(f.Problems, p.String())
		}
	case template.StatusPaused:
		f.Status = policy.TemplatePaused
	case template.StatusDisabled:
		f.Status = policy.TemplateDisabled
	default:
		f.Status = policy.TemplatePending
	}
	return f
}

// templateSignals keeps the cache current from template webhooks. A change
// that does not parse is logged and left (it is still forwarded); any other
// failure makes the batch run again.
func templateSignals(c *template.Cache, log *slog.Logger) signal.Consumer {
	return signal.ConsumerFunc(func(ctx context.Context, batch []signal.Signal) error {
		for _, s := range batch {
			if s.Kind != signal.Event || !template.IsTemplateField(s.Field) {
				continue
			}
			_, err := c.Apply(ctx, s.WABAID, s.At, wire.Change{Field: s.Field, Value: s.Raw})
			if errors.Is(err, template.ErrBadChange) {
				log.Warn("template webhook not understood", "field", s.Field, "waba", s.WABAID, "err", err)
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// EraseContactData erases a person's data outside the consent ledger (the
// outbox, decisions, inbound messages, windows, identity links), under all
// their names: the canonical wa_id, its aliases and a linked BSUID. Queued
// messages to them fail with 470102 instead of being sent.
func EraseContactData(ctx context.Context, st store.Store, tenantID, waID string) (store.ErasureReport, error) {
	ids := []string{waID}
	if !phone.IsBSUID(waID) {
		ids = phone.Number{WaID: waID}.Aliases()
	}
	if other, err := st.LinkedIdentity(ctx, tenantID, waID); err == nil && other != "" {
		ids = append(ids, other)
		if !phone.IsBSUID(other) {
			ids = append(ids, phone.Number{WaID: other}.Aliases()...)
		}
	}
	return st.EraseContact(ctx, tenantID, ids, int(refusal.Erased), time.Now())
}

// pruneContactSends deletes counted sends older than every window that
// counts them, hourly: the table holds days of sends, not history.
func pruneContactSends(ctx context.Context, st store.Cadences, keep time.Duration, log *slog.Logger) error {
	if keep <= 0 {
		return nil
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		// A day past the longest window: a tenant's window may grow on a
		// restart, and counts just outside it cost nothing.
		if n, err := st.PruneContactSends(ctx, time.Now().Add(-keep-24*time.Hour)); err != nil && ctx.Err() == nil {
			log.Warn("pruning counted sends", "err", err)
		} else if n > 0 {
			log.Info("pruned counted sends", "rows", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
