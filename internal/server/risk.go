package server

import (
	"log/slog"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/risk"
	"github.com/wabaguard/wabaguard/internal/store"
)

// newRiskEngine builds the risk engine from the configuration.
func newRiskEngine(cfg config.Config, st store.Store, m *metrics.Metrics, log *slog.Logger, optOut func(tenantID, text string) bool) *risk.Engine {
	rc := cfg.Risk
	ec := risk.Config{
		Thresholds: risk.Thresholds{Slow: rc.Thresholds.Slow, PauseMarketing: rc.Thresholds.PauseMarketing,
			PauseBusiness: rc.Thresholds.PauseBusiness, Hysteresis: rc.Thresholds.Hysteresis},
		MinSent:    rc.MinSent,
		SlowFactor: rc.SlowFactor,
		Warmup:     risk.Warmup{Start: rc.WarmupStart, Duration: rc.WarmupDuration.D()},
		OptOut:     optOut,
		Logger:     log,
		Metrics:    m,
	}
	if ec.Thresholds.Slow == 0 && ec.Thresholds.PauseMarketing == 0 && ec.Thresholds.PauseBusiness == 0 {
		ec.Thresholds = risk.DefaultThresholds()
	}
	if rc.SMTP.Host != "" {
		ec.Mailer = &risk.Mailer{Host: rc.SMTP.Host, Port: rc.SMTP.Port, From: rc.SMTP.From, To: rc.SMTP.To,
			Username: rc.SMTP.Username, Password: rc.SMTP.Password}
		log.Info("alert emails on", "smtp", ec.Mailer.String())
	}
	return risk.New(st, ec)
}

// brakeFacts reads the engine's cache for the rules: only pauses and
// stops reach them (a slow-down is the dispatcher's).
type brakeFacts struct{ e *risk.Engine }

func (b brakeFacts) BrakeFacts(senderID string) *policy.BrakeFacts {
	br := b.e.Brake(senderID)
	if risk.Rank(br.Level) < risk.Rank(store.BrakePauseMarketing) {
		return nil
	}
	return &policy.BrakeFacts{Level: string(br.Level), Reason: br.Reason, Until: br.Until}
}

// RiskEngine builds the risk engine for a command working on the store
// without a running gateway (`wabaguard senders pause|resume`): its
// decisions, events and emails are the gateway's own, and a running
// gateway's engine learns them at its next tick.
func RiskEngine(cfg config.Config, st store.Store, log *slog.Logger) *risk.Engine {
	return newRiskEngine(cfg, st, nil, log, nil)
}
