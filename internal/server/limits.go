package server

import (
	"context"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/limits"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/store"
)

// senderStates serves the management API's sender pages from the store
// and the portfolios' quota.
type senderStates struct {
	st store.Store
	q  *limits.Quota
}

// SendersOf implements api.Senders.
func (s senderStates) SendersOf(ctx context.Context, tenantID string, now time.Time) ([]limits.SenderState, error) {
	all, err := s.st.ListSenders(ctx)
	if err != nil {
		return nil, fmt.Errorf("senders: %w", err)
	}
	var out []limits.SenderState
	for _, snd := range all {
		if snd.TenantID != tenantID {
			continue
		}
		st, err := s.q.SenderState(ctx, snd, now)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// senderOf returns a sender of the tenant; another tenant's is not found.
func (s senderStates) senderOf(ctx context.Context, tenantID, id string) (store.Sender, error) {
	snd, err := s.st.GetSender(ctx, id)
	if err != nil {
		return snd, err
	}
	if snd.TenantID != tenantID {
		return store.Sender{}, fmt.Errorf("sender %s: %w", id, store.ErrNotFound)
	}
	return snd, nil
}

// SenderOf implements api.Senders.
func (s senderStates) SenderOf(ctx context.Context, tenantID, id string, now time.Time) (limits.SenderState, error) {
	snd, err := s.senderOf(ctx, tenantID, id)
	if err != nil {
		return limits.SenderState{}, err
	}
	return s.q.SenderState(ctx, snd, now)
}

// ForecastOf implements api.Senders. Quiet hours are not known here yet:
// the forecast sends around the clock.
func (s senderStates) ForecastOf(ctx context.Context, tenantID, id string, recipients int, now, dayEnd time.Time) (limits.SenderForecast, error) {
	snd, err := s.senderOf(ctx, tenantID, id)
	if err != nil {
		return limits.SenderForecast{}, err
	}
	return s.q.Forecast(ctx, snd, recipients, now, dayEnd, nil)
}

var qualityLevel = map[string]float64{"GREEN": 3, "YELLOW": 2, "RED": 1}
var healthLevel = map[string]float64{"AVAILABLE": 2, "LIMITED": 1, "BLOCKED": 0}

// exportLimits sets the messaging-limit and sender gauges from the store.
func exportLimits(ctx context.Context, st store.Store, q *limits.Quota, m *metrics.Metrics, now time.Time) error {
	senders, err := st.ListSenders(ctx)
	if err != nil {
		return fmt.Errorf("senders: %w", err)
	}
	for _, snd := range senders {
		ss, err := q.SenderState(ctx, snd, now)
		if err != nil {
			return err
		}
		u := ss.MessagingLimit
		m.PortfolioUsed.WithLabelValues(u.Portfolio).Set(float64(u.Used))
		m.PortfolioLimit.WithLabelValues(u.Portfolio).Set(float64(u.Limit))
		next := 0.0
		if !u.NextRelease.IsZero() {
			next = float64(u.NextRelease.Unix())
		}
		m.PortfolioNextRelease.WithLabelValues(u.Portfolio).Set(next)
		m.SenderUsed.WithLabelValues(snd.PhoneNumberID).Set(float64(u.Used))
		m.SenderLimit.WithLabelValues(snd.PhoneNumberID).Set(float64(u.Limit))
		m.SenderQuality.WithLabelValues(snd.PhoneNumberID).Set(qualityLevel[ss.Quality])
		h, ok := healthLevel[ss.Health]
		if !ok {
			h = -1
		}
		m.SenderHealth.WithLabelValues(snd.PhoneNumberID).Set(h)
		m.SenderThroughput.WithLabelValues(snd.PhoneNumberID).Set(float64(ss.Throughput.MPS))
		var day, allowance, used float64
		if w := ss.Warmup; w != nil {
			day, allowance, used = float64(w.Day), float64(w.Allowance), float64(w.Used)
		}
		m.SenderWarmupDay.WithLabelValues(snd.PhoneNumberID).Set(day)
		m.SenderWarmupAllowance.WithLabelValues(snd.PhoneNumberID).Set(allowance)
		m.SenderWarmupUsed.WithLabelValues(snd.PhoneNumberID).Set(used)
	}
	return nil
}

// watchLimits refreshes the limit gauges every few seconds.
func (s *Server) watchLimits(ctx context.Context) error {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if err := exportLimits(ctx, s.store, s.compliance.quota, s.metrics, time.Now()); err != nil && ctx.Err() == nil {
			s.log.Warn("limits metrics", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
