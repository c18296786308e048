package dispatch

import (
	"context"
	"slices"

	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Signals is the dispatcher's consumer of what webhooks tell: inbound
// messages take tokens of their number's throughput (Inbound), and failed
// statuses with 131049 (per-user marketing limit) are counted per sender.
// A batch offered again after a failure counts again: the error is on the
// cautious side for throughput, and the counter is a rate to watch, not a
// ledger.
func (m *Manager) Signals() signal.Consumer {
	return signal.ConsumerFunc(func(_ context.Context, batch []signal.Signal) error {
		inbound := map[string]int{}
		for _, s := range batch {
			switch s.Kind {
			case signal.Inbound:
				if s.PhoneNumberID != "" {
					inbound[s.PhoneNumberID]++
				}
			case signal.Status:
				if s.Status == wire.StatusFailed && slices.Contains(s.Codes, wire.CodeEcosystem) {
					if mt := m.cfg.Metrics; mt != nil {
						mt.EcosystemHeld.WithLabelValues(s.PhoneNumberID).Inc()
					}
				}
			}
		}
		for id, n := range inbound {
			m.Inbound(id, n)
		}
		return nil
	})
}
