package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Preflight is what a campaign would do if it started now.
type Preflight struct {
	// Targeted is the audience's size now.
	Targeted int64 `json:"targeted"`
	// Eligible is how many the rules accept (deferred ones included: they
	// are accepted and wait); Deferred counts those by code.
	Eligible int64            `json:"eligible"`
	Deferred map[string]int64 `json:"deferred"`
	// Refused counts the refused by refusal key (one per rule's reason).
	Refused map[string]int64 `json:"refused"`
	// Finish is when the last eligible message would go out, from the
	// sender's throughput, the portfolio's messaging limit and quiet hours
	// (zero when unknown or beyond the horizon).
	Finish time.Time `json:"finish,omitzero"`
	// Today is how many of the eligible go out before the day ends;
	// BeyondToday the share (0 to 1) that waits for tomorrow's limit.
	Today       int     `json:"today"`
	BeyondToday float64 `json:"beyond_today"`
	// Limit and Used are the portfolio's messaging limit (-1: unlimited)
	// and its use now.
	Limit int `json:"messaging_limit"`
	Used  int `json:"messaging_limit_used"`
	MPS   int `json:"mps"`
}

// Preflight runs the intake's rules over the audience in check mode
// (nothing committed, nothing recorded), as `wabaguard check --send` does,
// and forecasts the finish. A draft becomes "preflight"; a campaign in
// another state keeps it.
func (s *Service) Preflight(ctx context.Context, tenantID, id string) (Preflight, error) {
	if s.cfg.Intake == nil {
		return Preflight{}, errNoIntake
	}
	c, err := s.cfg.Store.GetCampaign(ctx, tenantID, id)
	if err != nil {
		return Preflight{}, err
	}
	f, err := s.filterOf(ctx, c)
	if err != nil {
		return Preflight{}, err
	}
	params, err := paramsOf(c)
	if err != nil {
		return Preflight{}, err
	}
	now := s.cfg.Now()
	rep := Preflight{Deferred: map[string]int64{}, Refused: map[string]int64{}, Limit: -1}
	after := ""
	for {
		page, err := s.cfg.Store.ListContacts(ctx, store.ContactQuery{TenantID: tenantID, After: after, Limit: s.cfg.Chunk})
		if err != nil {
			return Preflight{}, fmt.Errorf("campaign: contacts: %w", err)
		}
		for _, ct := range page {
			if !f.Match(ct, now) {
				continue
			}
			rep.Targeted++
			body, missing, err := buildRequest(c, params, ct)
			if err != nil {
				return Preflight{}, err
			}
			if missing != "" {
				rep.Refused[paramMissingKey()]++
				continue
			}
			d, _, err := s.cfg.Intake.Evaluate(ctx, intake.Request{TenantID: tenantID, PhoneNumberID: c.SenderID, Body: body, Lang: s.cfg.Lang, Now: now})
			if err != nil {
				return Preflight{}, fmt.Errorf("campaign: evaluate: %w", err)
			}
			switch d.Outcome {
			case policy.Reject:
				rep.Refused[refusalKey(d)]++
			case policy.Defer:
				rep.Eligible++
				rep.Deferred[refusalKey(d)]++
			default:
				rep.Eligible++
			}
		}
		if len(page) < s.cfg.Chunk {
			break
		}
		after = page[len(page)-1].WaID
	}
	if s.cfg.Forecaster != nil {
		snd, err := s.cfg.Store.GetSender(ctx, c.SenderID)
		if err != nil {
			return Preflight{}, fmt.Errorf("campaign: sender: %w", err)
		}
		quiet := s.quiet(tenantID)
		start := now
		if c.StartAt.After(now) {
			start = c.StartAt
		}
		fc, err := s.cfg.Forecaster.Forecast(ctx, snd, int(rep.Eligible), start, start.Add(24*time.Hour), quiet)
		if err != nil {
			return Preflight{}, fmt.Errorf("campaign: forecast: %w", err)
		}
		rep.Finish, rep.Today, rep.MPS = fc.Finish, fc.Today, fc.MPS
		rep.Limit, rep.Used = fc.MessagingLimit.Limit, fc.MessagingLimit.Used
		if rep.Eligible > 0 {
			rep.BeyondToday = float64(rep.Eligible-int64(min(int64(fc.Today), rep.Eligible))) / float64(rep.Eligible)
		}
	}
	if c.State == store.CampaignDraft {
		if _, err := s.cfg.Store.SetCampaignState(ctx, tenantID, id, []store.CampaignState{store.CampaignDraft}, store.CampaignPreflight,
			"", now.UTC().Truncate(time.Millisecond)); err != nil && !errors.Is(err, store.ErrCampaignState) {
			return rep, err
		}
	}
	return rep, nil
}

// Stats is what became of a campaign.
type Stats struct {
	Targeted int64            `json:"targeted"`
	Refused  map[string]int64 `json:"refused"`
	Accepted int64            `json:"accepted"`
	// Queued are accepted and not yet sent; Sent counts those Meta took
	// (delivered and read ones included), Delivered those delivered (read
	// included), Read those read.
	Queued    int64 `json:"queued"`
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Read      int64 `json:"read"`
	Replied   int64 `json:"replied"`
	// Failed counts failed messages by error code (Meta's, or the
	// gateway's send-time refusal).
	Failed  map[int]int64 `json:"failed"`
	OptOuts int64         `json:"opt_outs"`
}

// Stats reads a campaign's counters and joins its messages' states.
func (s *Service) Stats(ctx context.Context, tenantID, id string) (Stats, error) {
	v, err := s.Get(ctx, tenantID, id)
	if err != nil {
		return Stats{}, err
	}
	out, err := s.cfg.Store.CampaignOutcomes(ctx, tenantID, id)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Targeted: v.Targeted, Refused: v.Refused, Accepted: v.Accepted, Failed: map[int]int64{},
		Replied: out.Replied, OptOuts: out.OptOuts}
	for _, d := range out.Deliveries {
		switch d.State {
		case store.StateQueued, store.StateSending:
			st.Queued += d.Count
		case store.StateSent:
			st.Sent += d.Count
		case store.StateDelivered:
			st.Sent += d.Count
			st.Delivered += d.Count
		case store.StateRead:
			st.Sent += d.Count
			st.Delivered += d.Count
			st.Read += d.Count
		case store.StateFailed:
			st.Failed[d.ErrorCode] += d.Count
		}
	}
	return st, nil
}
