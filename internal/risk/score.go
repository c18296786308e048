package risk

import (
	"strconv"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// The rolling windows the engine reads. Rates use the last hour when it
// alone holds enough sends (a fast campaign going bad), else the last
// 24 hours; Meta's events (quality, templates, account) count over 7 days,
// the window Meta rates quality over (meta-platform.md §1.7).
const (
	WindowHour = time.Hour
	WindowDay  = 24 * time.Hour
	WindowWeek = 7 * 24 * time.Hour
)

// Metric names of the counters (store.RiskCount.Metric).
const (
	MetricSent      = "sent"
	MetricDelivered = "delivered"
	MetricRead      = "read"
	MetricReplied   = "replied"
	MetricOptOut    = "opt_out"
	// MetricFailedPrefix + Meta's code: "failed:131049".
	MetricFailedPrefix = "failed:"
	// MetricQualityPrefix + the event of phone_number_quality_update
	// (FLAGGED, UNFLAGGED, DOWNGRADE, UPGRADE, …).
	MetricQualityPrefix = "quality:"
	// MetricTemplateQualityPrefix + new_quality_score of
	// message_template_quality_update (GREEN, YELLOW, RED).
	MetricTemplateQualityPrefix = "template_quality:"
	// MetricTemplateStatusPrefix + event of message_template_status_update
	// (PAUSED, DISABLED, …).
	MetricTemplateStatusPrefix = "template_status:"
	// MetricAccountPrefix + event of account_update.
	MetricAccountPrefix = "account:"
)

// FailedMetric is the counter of failures with Meta's code.
func FailedMetric(code int) string { return MetricFailedPrefix + strconv.Itoa(code) }

// Weights are the parts of the score; docs/risk.md justifies each from
// Meta's pages. A rate term adds Weight × min(1, rate / Ref) once the
// window holds MinSent sends; an event term adds Points per net event,
// up to its Cap.
type Weights struct {
	OptOut      RateTerm `json:"opt_out"`      // opt-outs / delivered
	Undelivered RateTerm `json:"undelivered"`  // 131026 / sent
	Ecosystem   RateTerm `json:"ecosystem"`    // 131049 / sent
	MarketingNo RateTerm `json:"marketing_no"` // 131050 / sent
	// Unread adds Weight × (unread share − Ref) / (1 − Ref) above Ref.
	Unread RateTerm `json:"unread"`

	Flagged         EventTerm `json:"flagged"`          // quality FLAGGED (RED) net of UNFLAGGED
	Downgraded      EventTerm `json:"downgraded"`       // quality DOWNGRADE
	TemplateRed     EventTerm `json:"template_red"`     // a template rated RED
	TemplateYellow  EventTerm `json:"template_yellow"`  // a template rated YELLOW
	TemplatePaused  EventTerm `json:"template_paused"`  // a template PAUSED
	TemplateDisable EventTerm `json:"template_disable"` // a template DISABLED
	Violation       EventTerm `json:"violation"`        // account_update ACCOUNT_VIOLATION
}

// RateTerm is a part of the score driven by a rate.
type RateTerm struct {
	Weight float64 `json:"weight"`
	Ref    float64 `json:"ref"`
}

// EventTerm is a part of the score driven by Meta's events.
type EventTerm struct {
	Points float64 `json:"points"`
	Cap    float64 `json:"cap"`
}

// DefaultWeights are the weights docs/risk.md explains.
func DefaultWeights() Weights {
	return Weights{
		OptOut:      RateTerm{Weight: 35, Ref: 0.01},
		Undelivered: RateTerm{Weight: 15, Ref: 0.05},
		Ecosystem:   RateTerm{Weight: 15, Ref: 0.05},
		MarketingNo: RateTerm{Weight: 10, Ref: 0.01},
		Unread:      RateTerm{Weight: 10, Ref: 0.5},

		Flagged:         EventTerm{Points: 40, Cap: 40},
		Downgraded:      EventTerm{Points: 25, Cap: 25},
		TemplateRed:     EventTerm{Points: 15, Cap: 30},
		TemplateYellow:  EventTerm{Points: 5, Cap: 10},
		TemplatePaused:  EventTerm{Points: 15, Cap: 30},
		TemplateDisable: EventTerm{Points: 25, Cap: 25},
		Violation:       EventTerm{Points: 40, Cap: 40},
	}
}

// Window is the sum of a sender's counters over one window.
type Window map[string]int64

// Windows sums hourly counters into the engine's three windows at now.
func Windows(counts []store.RiskCount, now time.Time) (hour, day, week Window) {
	hour, day, week = Window{}, Window{}, Window{}
	for _, c := range counts {
		// A bucket counts in a window when its hour overlaps it.
		end := c.Bucket.Add(time.Hour)
		if end.After(now.Add(-WindowWeek)) {
			week[c.Metric] += c.N
		}
		if end.After(now.Add(-WindowDay)) {
			day[c.Metric] += c.N
		}
		if end.After(now.Add(-WindowHour)) {
			hour[c.Metric] += c.N
		}
	}
	return hour, day, week
}

// Score is a risk score with the parts that made it.
type Score struct {
	Total float64            `json:"total"`
	Parts map[string]float64 `json:"parts"`
	// Sent is the sends of the window the rates were read from.
	Sent int64 `json:"sent"`
}

// Compute scores a sender from its windows: rates from the hour when it
// holds minSent sends, else from the day, and only when the day holds
// minSent; events from the week. The total is clamped to 0–100.
func Compute(w Weights, minSent int64, hour, day, week Window) Score {
	sc := Score{Parts: map[string]float64{}}
	rates := day
	if hour[MetricSent] >= minSent {
		rates = hour
	}
	sc.Sent = rates[MetricSent]
	if sc.Sent >= minSent && sc.Sent > 0 {
		sent := float64(sc.Sent)
		delivered := float64(max(rates[MetricDelivered], rates[MetricRead]))
		rate := func(name string, t RateTerm, n int64, of float64) {
			if of <= 0 || t.Ref <= 0 || n <= 0 {
				return
			}
			sc.Parts[name] = t.Weight * min(1, float64(n)/of/t.Ref)
		}
		rate("opt_out", w.OptOut, rates[MetricOptOut], max(delivered, 1))
		rate("undelivered", w.Undelivered, rates[FailedMetric(131026)], sent)
		rate("ecosystem", w.Ecosystem, rates[FailedMetric(131049)], sent)
		rate("marketing_no", w.MarketingNo, rates[FailedMetric(131050)], sent)
		if delivered >= float64(minSent) && w.Unread.Ref < 1 {
			unread := 1 - float64(rates[MetricRead])/delivered
			if unread > w.Unread.Ref {
				sc.Parts["unread"] = w.Unread.Weight * (unread - w.Unread.Ref) / (1 - w.Unread.Ref)
			}
		}
	}
	event := func(name string, t EventTerm, n int64) {
		if n > 0 {
			sc.Parts[name] = min(t.Cap, t.Points*float64(n))
		}
	}
	event("flagged", w.Flagged, week[MetricQualityPrefix+"FLAGGED"]-week[MetricQualityPrefix+"UNFLAGGED"])
	event("downgraded", w.Downgraded, week[MetricQualityPrefix+"DOWNGRADE"]-week[MetricQualityPrefix+"UPGRADE"])
	event("template_red", w.TemplateRed, week[MetricTemplateQualityPrefix+"RED"])
	event("template_yellow", w.TemplateYellow, week[MetricTemplateQualityPrefix+"YELLOW"])
	event("template_paused", w.TemplatePaused, week[MetricTemplateStatusPrefix+"PAUSED"])
	event("template_disable", w.TemplateDisable, week[MetricTemplateStatusPrefix+"DISABLED"])
	event("violation", w.Violation, week[MetricAccountPrefix+"ACCOUNT_VIOLATION"])
	for _, v := range sc.Parts {
		sc.Total += v
	}
	sc.Total = min(100, max(0, sc.Total))
	return sc
}

// Thresholds are the scores at which the brakes act; Hysteresis is how far
// below its threshold the score must fall before a slow-down lifts.
type Thresholds struct {
	Slow           float64 `json:"slow"`
	PauseMarketing float64 `json:"pause_marketing"`
	PauseBusiness  float64 `json:"pause_business"`
	Hysteresis     float64 `json:"hysteresis"`
}

// DefaultThresholds: a single strong signal (a flag, a warning, 1 % of
// opt-outs) slows the number; two of them pause marketing; three, or one
// with a bad list, pause everything business-initiated.
func DefaultThresholds() Thresholds {
	return Thresholds{Slow: 30, PauseMarketing: 50, PauseBusiness: 70, Hysteresis: 10}
}

// LevelFor is the brake level a score calls for.
func (t Thresholds) LevelFor(score float64) store.BrakeLevel {
	switch {
	case score >= t.PauseBusiness:
		return store.BrakePauseBusiness
	case score >= t.PauseMarketing:
		return store.BrakePauseMarketing
	case score >= t.Slow:
		return store.BrakeSlow
	}
	return store.BrakeNone
}

// Rank orders brake levels: a higher rank holds back more.
func Rank(l store.BrakeLevel) int {
	switch l {
	case store.BrakeSlow:
		return 1
	case store.BrakePauseMarketing:
		return 2
	case store.BrakePauseBusiness:
		return 3
	case store.BrakeStop:
		return 4
	}
	return 0
}

// metricOfEvent names the counter of an event field's value, "" when the
// field is not one the score reads (it is still stored as raw).
func metricOfEvent(field, event string) string {
	event = strings.ToUpper(strings.TrimSpace(event))
	if event == "" {
		return ""
	}
	switch field {
	case "phone_number_quality_update":
		return MetricQualityPrefix + event
	case "message_template_quality_update":
		return MetricTemplateQualityPrefix + event
	case "message_template_status_update":
		return MetricTemplateStatusPrefix + event
	case "account_update":
		return MetricAccountPrefix + event
	}
	return ""
}
