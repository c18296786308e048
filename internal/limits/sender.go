package limits

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// DefaultMPS is Meta's default throughput of a number.
const DefaultMPS = 80

// SenderState is a sender as the management API shows it: what Meta last
// said of it, the gateway's own dispatch state, and its portfolio's
// messaging limit.
type SenderState struct {
	PhoneNumberID      string `json:"phone_number_id"`
	WABAID             string `json:"waba_id"`
	DisplayPhoneNumber string `json:"display_phone_number,omitempty"`
	// State is the gateway's dispatch state (active, stopped).
	State string `json:"state"`
	// StateReason says why a stopped sender stopped.
	StateReason string `json:"state_reason,omitempty"`
	Quality     string `json:"quality_rating"`
	Status      string `json:"status"`
	Health      string `json:"health_status"`
	Throughput  struct {
		Level string `json:"level"`
		MPS   int    `json:"mps"`
	} `json:"throughput"`
	// UpdatedAt is when Meta's state was last learned (zero: never).
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
	MessagingLimit Usage     `json:"messaging_limit"`
	// Warmup is the number's warm-up (absent once over, or never begun).
	Warmup *WarmupState `json:"warmup,omitempty"`
}

// SenderState assembles a sender's state at now. Fields Meta never told
// read UNKNOWN.
func (q *Quota) SenderState(ctx context.Context, s store.Sender, now time.Time) (SenderState, error) {
	out := SenderState{PhoneNumberID: s.PhoneNumberID, WABAID: s.WABAID, DisplayPhoneNumber: s.DisplayPhoneNumber,
		State: string(s.State), StateReason: s.StateReason, Quality: "UNKNOWN", Status: "UNKNOWN", Health: "UNKNOWN"}
	if out.State == "" {
		out.State = "active"
	}
	out.Throughput.Level, out.Throughput.MPS = "UNKNOWN", s.ThroughputMPS
	if out.Throughput.MPS <= 0 {
		out.Throughput.MPS = DefaultMPS
	}
	h, err := q.st.GetSenderHealth(ctx, s.PhoneNumberID)
	switch {
	case err == nil:
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&out.Quality, h.Quality)
		set(&out.Status, h.Status)
		set(&out.Health, h.Health)
		set(&out.Throughput.Level, h.Throughput)
		out.UpdatedAt = h.UpdatedAt
	case !errors.Is(err, store.ErrNotFound):
		return out, fmt.Errorf("limits: %w", err)
	}
	u, err := q.Usage(ctx, q.PortfolioOfWABA(s.WABAID), now)
	if err != nil {
		return out, err
	}
	out.MessagingLimit = u
	w, err := q.Warmup(ctx, s.PhoneNumberID, now)
	if err != nil {
		return out, err
	}
	if w.Active {
		out.Warmup = &w
	}
	return out, nil
}

// SenderForecast is the forecast of a send of Recipients from a sender.
type SenderForecast struct {
	PhoneNumberID string `json:"phone_number_id"`
	Recipients    int    `json:"recipients"`
	Forecast
	MessagingLimit Usage        `json:"messaging_limit"`
	Warmup         *WarmupState `json:"warmup,omitempty"`
	MPS            int          `json:"mps"`
}

// Forecast plans a send of recipients from s, starting at now, with the
// quiet hours given (nil: none); today ends at dayEnd.
func (q *Quota) Forecast(ctx context.Context, s store.Sender, recipients int, now, dayEnd time.Time, quiet QuietHours) (SenderForecast, error) {
	u, err := q.Usage(ctx, q.PortfolioOfWABA(s.WABAID), now)
	if err != nil {
		return SenderForecast{}, err
	}
	mps := s.ThroughputMPS
	if mps <= 0 {
		mps = DefaultMPS
	}
	var rel []Release
	if u.Used > 0 && !u.NextRelease.IsZero() {
		rel = []Release{{At: u.NextRelease, Slots: 1}} // the rest: at the latest, 24 h on
	}
	in := ForecastInput{Recipients: recipients, Now: now, Limit: u.Limit, Used: u.Used, Releases: rel, MPS: mps, Quiet: quiet, DayEnd: dayEnd}
	w, err := q.Warmup(ctx, s.PhoneNumberID, now)
	if err != nil {
		return SenderForecast{}, err
	}
	out := SenderForecast{PhoneNumberID: s.PhoneNumberID, Recipients: recipients, MessagingLimit: u, MPS: mps}
	if w.Active {
		out.Warmup = &w
		fw := &ForecastWarmup{Allowance: w.Allowance, Used: w.Used, Steps: q.warmupReleases(w), Ends: w.Ends}
		if w.Used > 0 && !w.NextRelease.IsZero() && w.NextRelease.Before(w.StartedAt.Add(time.Duration(w.Day)*24*time.Hour)) {
			fw.Releases = []Release{{At: w.NextRelease, Slots: 1}}
		}
		in.Warmup = fw
	}
	out.Forecast = Plan(in)
	return out, nil
}
