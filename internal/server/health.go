package server

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/store"
)

// readyBody is /readyz's answer once the store answers. A down upstream or
// a stopped sender does not make the replica unready: another replica
// would see the same upstream and the same senders, so taking this one out
// of the load balancer would only refuse traffic the others accept. They
// are reported in the body and in /metrics instead.
type readyBody struct {
	Status         string                  `json:"status"`
	Upstream       dispatch.UpstreamHealth `json:"upstream"`
	StoppedSenders []stoppedSender         `json:"stopped_senders,omitempty"`
	// Backlog is each sender's unsent messages, shown while degraded: how
	// many, and how long the oldest has waited since it was accepted.
	Backlog []senderBacklog `json:"backlog,omitempty"`
}

type senderBacklog struct {
	PhoneNumberID    string  `json:"phone_number_id"`
	Queued           int     `json:"queued"`
	OldestAgeSeconds float64 `json:"oldest_age_seconds"`
}

type stoppedSender struct {
	PhoneNumberID string    `json:"phone_number_id"`
	Code          int       `json:"code"`
	Reason        string    `json:"reason"`
	Since         time.Time `json:"since"`
}

// writeReady answers a ready /readyz with the detail an operator needs.
func (s *Server) writeReady(ctx context.Context, w http.ResponseWriter) {
	b := readyBody{Status: "ready", Upstream: s.dispatch.UpstreamHealth()}
	if !b.Upstream.Up {
		b.Status = "degraded"
	}
	if senders, err := s.store.ListSenders(ctx); err == nil {
		for _, snd := range senders {
			if snd.State == store.SenderStopped {
				b.StoppedSenders = append(b.StoppedSenders, stoppedSender{snd.PhoneNumberID, snd.StateCode, snd.StateReason, snd.StateChangedAt})
				b.Status = "degraded"
			}
		}
	}
	if b.Status == "degraded" {
		b.Backlog = s.backlog(ctx)
	}
	_ = json.NewEncoder(w).Encode(b)
}

// backlog reads each sender's unsent messages from the store, in sender
// order; on a store error it is empty (the answer is about health, not the
// store, which the ping already checked).
func (s *Server) backlog(ctx context.Context) []senderBacklog {
	depth, err := s.store.QueueDepth(ctx)
	if err != nil {
		return nil
	}
	oldest, err := s.store.OldestUnsent(ctx)
	if err != nil {
		return nil
	}
	now := time.Now()
	var out []senderBacklog
	for _, id := range slices.Sorted(maps.Keys(depth)) {
		out = append(out, senderBacklog{id, depth[id], backlogAge(now, oldest[id])})
	}
	return out
}

// backlogAge is how long ago oldest was accepted, in seconds (0 for none).
func backlogAge(now, oldest time.Time) float64 {
	if oldest.IsZero() || oldest.After(now) {
		return 0
	}
	return now.Sub(oldest).Seconds()
}

// scrapeHandler serves /metrics after refreshing the queue-depth and
// backlog-age gauges from the store, so a scrape never reads a depth or an
// age several seconds old.
// It also exports the upstream's health.
func (s *Server) scrapeHandler() http.Handler {
	s.metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wabaguard_upstream_up",
		Help: "1 while the Cloud API answers, 0 while the dispatcher's circuit breaker is open.",
	}, func() float64 {
		if s.dispatch.UpstreamHealth().Up {
			return 1
		}
		return 0
	}))
	s.metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wabaguard_upstream_down_seconds",
		Help: "How long the current upstream outage has lasted (0 when up).",
	}, func() float64 {
		h := s.dispatch.UpstreamHealth()
		if h.Up || h.Since.IsZero() {
			return 0
		}
		return time.Since(h.Since).Seconds()
	}))
	stopped := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wabaguard_sender_stopped_state",
		Help: "1 for each sender stopped after an account-level error, by Graph code.",
	}, []string{"sender", "code"})
	s.metrics.Registry.MustRegister(stopped)
	h := promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if depth, err := s.store.QueueDepth(ctx); err == nil {
			oldest, oerr := s.store.OldestUnsent(ctx)
			senders, lerr := s.store.ListSenders(ctx)
			if lerr == nil {
				stopped.Reset()
				now := time.Now()
				for _, snd := range senders {
					s.metrics.QueueDepth.WithLabelValues(snd.PhoneNumberID).Set(float64(depth[snd.PhoneNumberID]))
					if oerr == nil {
						s.metrics.BacklogAge.WithLabelValues(snd.PhoneNumberID).Set(backlogAge(now, oldest[snd.PhoneNumberID]))
					}
					if snd.State == store.SenderStopped {
						stopped.WithLabelValues(snd.PhoneNumberID, strconv.Itoa(snd.StateCode)).Set(1)
					}
				}
			}
		}
		h.ServeHTTP(w, r)
	})
}
