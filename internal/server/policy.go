package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/optout"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// compliance is the acceptance path with what keeps its facts current.
type compliance struct {
	intake  *intake.Service
	facts   *intake.Facts
	ledger  *consent.Ledger
	signals *signal.Bus
}

// factRules returns the fact rules a policy enforces, in order: the
// cheapest and most final refusals first. Suppression is always on.
func factRules(p config.Policy) *policy.Pipeline {
	rules := []policy.Rule{policy.Suppression{}}
	if config.Enforces(p.Template) {
		rules = append(rules, policy.Template{})
	}
	if config.Enforces(p.Consent) {
		rules = append(rules, policy.Consent{})
	}
	if config.Enforces(p.Window) {
		rules = append(rules, policy.Window{})
	}
	return policy.New(rules...)
}

// buildCompliance assembles the intake: the request rules, the facts loader
// over the consent ledger and the windows, and each tenant's fact rules.
func buildCompliance(cfg config.Config, st store.Store, m *metrics.Metrics, notify func(string), log *slog.Logger) (*compliance, error) {
	c := &compliance{}
	ttl := time.Duration(cfg.Policy.FactsTTL)
	c.ledger = consent.New(st, consent.WithDefaultRegion(cfg.DefaultRegion),
		consent.WithOnChange(func(tenantID, waID string) { c.facts.Forget(tenantID, waID) }))
	c.facts = intake.NewFacts(intake.FactsConfig{Consent: c.ledger, Windows: st, TTL: ttl})
	perTenant := map[string]*policy.Pipeline{}
	for _, t := range cfg.Tenants {
		if t.Policy != nil {
			perTenant[t.ID] = factRules(cfg.PolicyFor(t.ID))
		}
	}
	in, err := intake.New(intake.Config{
		Store:       st,
		Pipeline:    policy.New(policy.DefaultRules(cfg.DefaultRegion)...),
		Rules:       factRules(cfg.Policy),
		TenantRules: perTenant,
		Facts:       c.facts,
		Notify:      notify,
		Logger:      log.With("component", "intake"),
		Metrics:     m,
	})
	if err != nil {
		return nil, err
	}
	c.intake = in

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
	c.signals = &signal.Bus{}
	c.signals.Subscribe("consent", optout.NewRecorder(c.ledger, func(id string) *optout.Matcher { return matchers[id] }, log.With("component", "consent")))
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

// NewIntake builds the acceptance path on an open store as serve does, for
// commands that decide on messages without serving (`wabaguard check
// --send`). Close the service when done.
func NewIntake(cfg config.Config, st store.Store, log *slog.Logger) (*intake.Service, error) {
	c, err := buildCompliance(cfg, st, metrics.New(prometheus.NewRegistry()), nil, log)
	if err != nil {
		return nil, err
	}
	return c.intake, nil
}
