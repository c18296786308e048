// Package metrics defines the Prometheus collectors of the gateway in one
// place, so names and labels stay consistent across packages.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is the set of collectors. A zero-value-safe *Metrics is never nil
// in running code: tests may use New(prometheus.NewRegistry()).
type Metrics struct {
	Registry *prometheus.Registry

	Accepted        *prometheus.CounterVec   // sender
	Rejected        *prometheus.CounterVec   // code (stable policy code)
	Deferred        *prometheus.CounterVec   // code
	Sent            *prometheus.CounterVec   // sender
	Failed          *prometheus.CounterVec   // code (Graph code)
	Retried         *prometheus.CounterVec   // code
	QueueDepth      *prometheus.GaugeVec     // sender
	BacklogAge      *prometheus.GaugeVec     // sender: age of the oldest unsent message
	MessageStatus   *prometheus.CounterVec   // status: Meta's message_status in send answers
	DispatchLatency prometheus.Histogram     // acceptance to Meta's answer
	UpstreamLatency prometheus.Histogram     // one upstream send call
	AcceptLatency   prometheus.Histogram     // request in to 200 out
	CommitBatch     *prometheus.HistogramVec // kind: intake, webhooks
	WebhooksIn      *prometheus.CounterVec   // result: accepted, duplicate, bad_signature, invalid
	WebhookEvents   *prometheus.CounterVec   // kind: status, inbound, other
	WebhooksOut     *prometheus.CounterVec   // result: delivered, failed, dead
	SenderStopped   *prometheus.CounterVec   // code
	HTTPRequests    *prometheus.CounterVec   // route, status
	// TemplateLint counts template creations linted by the gateway, by
	// result: clean, warn, block, invalid; TemplateLintFindings their
	// findings by code.
	TemplateLint         *prometheus.CounterVec
	TemplateLintFindings *prometheus.CounterVec
	// ConnectionsRefused counts connections closed for exceeding the
	// per-client connection cap.
	ConnectionsRefused prometheus.Counter

	// Pacing (dispatch): the paced rate of each sender's token bucket,
	// the messages set aside because their recipient was still repaying
	// a pair-rate burst, and the 131049 failures (per-user marketing
	// limit) Meta reported per sender.
	SenderRate    *prometheus.GaugeVec   // sender
	PairDeferred  *prometheus.CounterVec // sender
	EcosystemHeld *prometheus.CounterVec // sender
	// The business portfolios' messaging limit and the senders' state,
	// read from the store (so alike on every replica).
	PortfolioUsed        *prometheus.GaugeVec // portfolio
	PortfolioLimit       *prometheus.GaugeVec // portfolio
	PortfolioNextRelease *prometheus.GaugeVec // portfolio
	SenderUsed           *prometheus.GaugeVec // sender
	SenderLimit          *prometheus.GaugeVec // sender
	SenderQuality        *prometheus.GaugeVec // sender
	SenderHealth         *prometheus.GaugeVec // sender
	SenderThroughput     *prometheus.GaugeVec // sender
	// Warm-up of new numbers: the curve's day (0 when not warming up),
	// today's allowance and its use.
	SenderWarmupDay       *prometheus.GaugeVec // sender
	SenderWarmupAllowance *prometheus.GaugeVec // sender
	SenderWarmupUsed      *prometheus.GaugeVec // sender
	// The risk engine: each sender's score, its brake level (0 none,
	// 1 slow, 2 marketing paused, 3 business-initiated paused, 4 stopped)
	// and rate factor, and every brake change by level and cause.
	RiskScore     *prometheus.GaugeVec   // sender
	BrakeLevel    *prometheus.GaugeVec   // sender
	BrakeRate     *prometheus.GaugeVec   // sender
	BrakeChanges  *prometheus.CounterVec // level, cause
	IncidentsOpen *prometheus.CounterVec // kind
	AlertEmails   *prometheus.CounterVec // result: sent, failed
}

// New registers the collectors on reg (and the Go/process collectors).
func New(reg *prometheus.Registry) *Metrics {
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{Registry: reg}
	m.Accepted = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_messages_accepted_total", Help: "Messages accepted into the outbox."}, []string{"sender"})
	m.Rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_messages_rejected_total", Help: "Send requests rejected, by stable policy code."}, []string{"code"})
	m.Deferred = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_messages_deferred_total", Help: "Messages accepted but deferred, by code."}, []string{"code"})
	m.Sent = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_messages_sent_total", Help: "Messages Meta accepted."}, []string{"sender"})
	m.Failed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_messages_failed_total", Help: "Messages failed for good, by Graph error code."}, []string{"code"})
	m.Retried = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_messages_retried_total", Help: "Dispatch attempts to be retried, by Graph error code."}, []string{"code"})
	m.QueueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "wabaguard_queue_depth", Help: "Messages queued or in flight per sender."}, []string{"sender"})
	m.BacklogAge = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "wabaguard_backlog_age_seconds", Help: "Age of each sender's oldest queued or in-flight message (0 with none), read from the store on every scrape."}, []string{"sender"})
	m.MessageStatus = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_send_message_status_total", Help: "Meta's send answers by their message_status (accepted, held_for_quality_assessment, paused; none when absent)."}, []string{"status"})
	m.DispatchLatency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wabaguard_dispatch_latency_seconds", Help: "From acceptance to Meta's answer.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14)})
	m.UpstreamLatency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wabaguard_upstream_latency_seconds", Help: "One send call to Meta.", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14)})
	m.AcceptLatency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wabaguard_accept_latency_seconds", Help: "Send request in to answer out.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.CommitBatch = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "wabaguard_commit_batch_size", Help: "Items per group commit.", Buckets: prometheus.ExponentialBuckets(1, 2, 11)}, []string{"kind"})
	m.WebhooksIn = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_webhooks_in_total", Help: "Webhook deliveries from Meta, by result."}, []string{"result"})
	m.WebhookEvents = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_webhook_events_total", Help: "Webhook events applied, by kind."}, []string{"kind"})
	m.WebhooksOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_webhooks_out_total", Help: "Events forwarded to tenants, by result."}, []string{"result"})
	m.SenderStopped = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_sender_stopped_total", Help: "Senders stopped by an account-level error, by Graph code."}, []string{"code"})
	m.HTTPRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"})
	m.TemplateLint = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_template_lint_total", Help: "Template creations linted before relaying, by result (clean, warn, block, invalid)."}, []string{"result"})
	m.TemplateLintFindings = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_template_lint_findings_total", Help: "Findings of the template lint, by code."}, []string{"code"})
	m.ConnectionsRefused = prometheus.NewCounter(prometheus.CounterOpts{Name: "wabaguard_http_connections_refused_total", Help: "Connections closed at once because their client already held http.max_conns_per_client."})
	for _, c := range []prometheus.Collector{m.ConnectionsRefused, m.Accepted, m.Rejected, m.Deferred, m.Sent, m.Failed, m.Retried, m.QueueDepth, m.BacklogAge, m.MessageStatus, m.DispatchLatency, m.UpstreamLatency, m.AcceptLatency, m.CommitBatch, m.WebhooksIn, m.WebhookEvents, m.WebhooksOut, m.SenderStopped, m.HTTPRequests, m.TemplateLint, m.TemplateLintFindings} {
		f(c)
	}
	m.SenderRate = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "wabaguard_sender_rate_mps", Help: "Current paced send rate of each sender's throughput bucket, after 130429 slow-downs."}, []string{"sender"})
	m.PairDeferred = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_pair_rate_deferred_total", Help: "Messages set aside until their recipient's next pair-rate slot, per sender."}, []string{"sender"})
	m.EcosystemHeld = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_marketing_limit_failures_total", Help: "Failed statuses with 131049 (per-user marketing limit), per sender."}, []string{"sender"})
	for _, c := range []prometheus.Collector{m.SenderRate, m.PairDeferred, m.EcosystemHeld} {
		f(c)
	}
	gauge := func(name, help, label string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{label})
		f(g)
		return g
	}
	m.PortfolioUsed = gauge("wabaguard_portfolio_messaging_used", "Unique recipients of business-initiated messages outside an open window in the moving 24 hours, per business portfolio.", "portfolio")
	m.PortfolioLimit = gauge("wabaguard_portfolio_messaging_limit", "The portfolio's messaging limit in force (-1: unlimited).", "portfolio")
	m.PortfolioNextRelease = gauge("wabaguard_portfolio_messaging_next_release_timestamp_seconds", "When the portfolio's oldest counted recipient leaves the window (0: none counted).", "portfolio")
	m.SenderUsed = gauge("wabaguard_sender_messaging_used", "The messaging-limit use of the sender's portfolio.", "sender")
	m.SenderLimit = gauge("wabaguard_sender_messaging_limit", "The messaging limit of the sender's portfolio (-1: unlimited).", "sender")
	m.SenderQuality = gauge("wabaguard_sender_quality", "Meta's quality rating of the sender: 3 GREEN, 2 YELLOW, 1 RED, 0 unknown.", "sender")
	m.SenderHealth = gauge("wabaguard_sender_health", "Meta's health_status.can_send_message of the sender: 2 AVAILABLE, 1 LIMITED, 0 BLOCKED, -1 unknown.", "sender")
	m.SenderThroughput = gauge("wabaguard_sender_throughput_mps", "The sender's throughput in messages per second.", "sender")
	m.SenderWarmupDay = gauge("wabaguard_sender_warmup_day", "The day of the sender's warm-up (1 on the first; 0 when not warming up).", "sender")
	m.SenderWarmupAllowance = gauge("wabaguard_sender_warmup_allowance", "Unique recipients the warming sender may reach in the moving 24 hours (0 when not warming up).", "sender")
	m.SenderWarmupUsed = gauge("wabaguard_sender_warmup_used", "Unique recipients the warming sender reached in the moving 24 hours (0 when not warming up).", "sender")
	m.RiskScore = gauge("wabaguard_risk_score", "The risk engine's score of the sender, 0 to 100 (see docs/risk.md).", "sender")
	m.BrakeLevel = gauge("wabaguard_brake_level", "The sender's brake: 0 none, 1 slow, 2 marketing paused, 3 business-initiated paused, 4 stopped.", "sender")
	m.BrakeRate = gauge("wabaguard_brake_rate_factor", "The factor the dispatcher applies to the sender's throughput (1 full speed).", "sender")
	m.BrakeChanges = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_brake_changes_total", Help: "Brake changes by the level set and their cause (score, meta, operator, expiry)."}, []string{"level", "cause"})
	f(m.BrakeChanges)
	m.IncidentsOpen = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_incidents_opened_total", Help: "Incidents opened, by kind (flag, pause, restriction, ban)."}, []string{"kind"})
	f(m.IncidentsOpen)
	m.AlertEmails = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wabaguard_alert_emails_total", Help: "Alert emails, by result (sent, failed)."}, []string{"result"})
	f(m.AlertEmails)
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// NewForTest returns collectors on a private registry.
func NewForTest() *Metrics { return New(prometheus.NewRegistry()) }
