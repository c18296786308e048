package risk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Sender events of the brakes, in the envelope of dispatch's sender events
// (field dispatch.SenderEventField). SENDER_STOPPED, SENDER_PAUSED and
// SENDER_RESUMED keep their meaning.
const (
	EventSlowed          = "SENDER_SLOWED"
	EventMarketingPaused = "SENDER_MARKETING_PAUSED"
	EventBusinessPaused  = "SENDER_BUSINESS_PAUSED"
	EventUnslowed        = "SENDER_SPEED_RESTORED"
)

// BrakeEventValue is the value of a brake change forwarded to the tenant.
type BrakeEventValue struct {
	MessagingProduct string        `json:"messaging_product"`
	Metadata         wire.Metadata `json:"metadata"`
	Event            string        `json:"event"`
	Timestamp        string        `json:"timestamp"`
	// Level is the brake now (none, slow, pause_marketing,
	// pause_business, stop) and Previous the one before.
	Level    string  `json:"level"`
	Previous string  `json:"previous"`
	Cause    string  `json:"cause"` // score, meta, operator, expiry
	Reason   string  `json:"reason"`
	Score    float64 `json:"score"`
	// RateFactor is the share of the throughput the sender is paced at.
	RateFactor float64 `json:"rate_factor"`
	// Until is when Meta's restriction expires (unix; absent when none).
	Until string `json:"until,omitempty"`
	// WarmupUntil is when the warm-up after a resume ends (unix).
	WarmupUntil string            `json:"warmup_until,omitempty"`
	Error       *wire.StatusError `json:"error,omitempty"`
	Resume      string            `json:"resume,omitempty"`
}

func eventName(old, nb store.Brake) string {
	switch nb.Level {
	case store.BrakeSlow:
		return EventSlowed
	case store.BrakePauseMarketing:
		return EventMarketingPaused
	case store.BrakePauseBusiness:
		return EventBusinessPaused
	case store.BrakeStop:
		if nb.Code == dispatch.PausedCode {
			return dispatch.SenderEventPaused
		}
		return dispatch.SenderEventStopped
	}
	if old.Level == store.BrakeSlow {
		return EventUnslowed
	}
	return dispatch.SenderEventResumed
}

// alert tells everyone of a brake change: the log, /metrics, the tenant's
// webhook (a forward in the same store as every other event) and the
// configured email.
func (e *Engine) alert(ctx context.Context, snd store.Sender, old, nb store.Brake, cause string, now time.Time) error {
	name := eventName(old, nb)
	log := e.log.With("sender", snd.PhoneNumberID, "tenant_id", snd.TenantID, "event", name, "level", levelName(nb.Level),
		"previous", levelName(old.Level), "cause", cause, "score", nb.Score, "reason", nb.Reason)
	if Rank(nb.Level) > Rank(old.Level) {
		log.WarnContext(ctx, "risk brake set")
	} else {
		log.InfoContext(ctx, "risk brake lifted")
	}
	if mt := e.cfg.Metrics; mt != nil {
		mt.BrakeChanges.WithLabelValues(levelName(nb.Level), cause).Inc()
		if nb.Level == store.BrakeStop && nb.Code != 0 && nb.Code != dispatch.PausedCode {
			mt.SenderStopped.WithLabelValues(strconv.Itoa(nb.Code)).Inc()
		}
	}
	v := BrakeEventValue{
		MessagingProduct: "whatsapp",
		Metadata:         wire.Metadata{DisplayPhoneNumber: snd.DisplayPhoneNumber, PhoneNumberID: snd.PhoneNumberID},
		Event:            name, Timestamp: strconv.FormatInt(now.Unix(), 10),
		Level: levelName(nb.Level), Previous: levelName(old.Level), Cause: cause, Reason: nb.Reason, Score: nb.Score,
		RateFactor: e.rateOf(nb, now),
	}
	if !nb.Until.IsZero() {
		v.Until = strconv.FormatInt(nb.Until.Unix(), 10)
	}
	if !nb.WarmupUntil.IsZero() {
		v.WarmupUntil = strconv.FormatInt(nb.WarmupUntil.Unix(), 10)
	}
	if nb.Level == store.BrakeStop && nb.Code != 0 && nb.Code != dispatch.PausedCode {
		se := wire.AsyncError(nb.Code, nb.Reason)
		v.Error = &se
	}
	if Rank(nb.Level) >= Rank(store.BrakePauseMarketing) {
		v.Resume = "queued messages are kept; held messages go out after `wabaguard senders resume`, POST /api/v1/senders/{id}/resume, the dashboard, or the restriction's expiry"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("risk: encode brake event: %w", err)
	}
	f := store.Forward{TenantID: snd.TenantID, WABAID: snd.WABAID, Field: dispatch.SenderEventField, Value: b, CreatedAt: now, NextAttemptAt: now}
	if err := e.st.RecordOutcomes(ctx, nil, []store.Forward{f}); err != nil {
		return fmt.Errorf("risk: queue the brake event: %w", err)
	}
	if e.cfg.Mailer != nil {
		subject := fmt.Sprintf("[wabaguard] %s: %s", displayOf(snd), name)
		body := fmt.Sprintf("Sender %s (%s, tenant %s)\r\nEvent: %s\r\nBrake: %s (was %s)\r\nCause: %s\r\nReason: %s\r\nScore: %.1f\r\nAt: %s\r\n",
			snd.PhoneNumberID, snd.DisplayPhoneNumber, snd.TenantID, name, levelName(nb.Level), levelName(old.Level), cause, nb.Reason,
			nb.Score, now.UTC().Format(time.RFC3339))
		err := e.cfg.Mailer.Send(ctx, subject, body)
		result := "sent"
		if err != nil {
			result = "failed"
			// An email is a courtesy beside the webhook: its failure is
			// logged and the decision stands.
			log.ErrorContext(ctx, "alert email", "err", err)
		}
		if mt := e.cfg.Metrics; mt != nil {
			mt.AlertEmails.WithLabelValues(result).Inc()
		}
	}
	return nil
}

func (e *Engine) rateOf(b store.Brake, now time.Time) float64 {
	f := 1.0
	if b.Level == store.BrakeSlow && b.RateFactor > 0 {
		f = b.RateFactor
	}
	return min(f, e.cfg.Warmup.Factor(b.WarmupFrom, b.WarmupUntil, now))
}

// release lifts a brake: the sender is made active when the brake had
// stopped it, a warm-up starts, the open incident closes.
func (e *Engine) release(ctx context.Context, snd store.Sender, old store.Brake, cause, reason string, now time.Time, lines []store.IncidentEvent) error {
	nb := store.Brake{TenantID: snd.TenantID, PhoneNumberID: snd.PhoneNumberID, Level: store.BrakeNone, RateFactor: 1,
		Reason: reason, Score: old.Score, WarmupFrom: now, WarmupUntil: now.Add(e.cfg.Warmup.Duration), ChangedAt: now}
	if err := e.st.PutBrake(ctx, nb); err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	e.remember(nb)
	if snd.State == store.SenderStopped {
		if err := e.st.SetSenderState(ctx, snd.PhoneNumberID, store.SenderActive, 0, "", now); err != nil {
			return fmt.Errorf("risk: resume %s: %w", snd.PhoneNumberID, err)
		}
	}
	lines = append(lines, store.IncidentEvent{At: now, Kind: store.EventAction, Name: "brake.none",
		Detail: fmt.Sprintf("%s; warm-up at %.0f%% of the throughput rising to 100%% by %s", reason, e.cfg.Warmup.Start*100,
			nb.WarmupUntil.UTC().Format(time.RFC3339))})
	open, err := e.st.OpenIncidentOf(ctx, snd.PhoneNumberID, "")
	switch {
	case err == nil:
		for i := range lines {
			lines[i].IncidentID = open.ID
		}
		if err := e.st.AppendIncidentEvents(ctx, lines); err != nil {
			return fmt.Errorf("risk: %w", err)
		}
		if err := e.st.CloseIncident(ctx, open.ID, now); err != nil {
			return fmt.Errorf("risk: %w", err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("risk: %w", err)
	}
	return e.alert(ctx, snd, old, nb, cause, now)
}

// ErrNotHeld is Resume's answer for a sender nothing holds back; it is
// also dispatch.ErrNotStopped, the answer callers knew before the engine.
var ErrNotHeld = fmt.Errorf("%w: nothing holds it back", dispatch.ErrNotStopped)

// Resume lifts a sender's brake by hand (the API, the CLI, the dashboard):
// a pause, a stop, an automatic brake alike. Held and queued messages go
// out again, under a warm-up. It returns the brake as it was.
func (e *Engine) Resume(ctx context.Context, phoneNumberID, by string) (store.Brake, error) {
	e.decide.Lock()
	defer e.decide.Unlock()
	snd, err := e.st.GetSender(ctx, phoneNumberID)
	if err != nil {
		return store.Brake{}, fmt.Errorf("resume %s: %w", phoneNumberID, err)
	}
	b, err := e.current(ctx, phoneNumberID)
	if err != nil {
		return b, err
	}
	if b.Level == store.BrakeNone && snd.State != store.SenderStopped {
		return b, fmt.Errorf("resume %s: %w", phoneNumberID, ErrNotHeld)
	}
	if b.Level == store.BrakeNone {
		// Stopped outside the engine (a hand pause from before, a stop
		// recorded by an older version): the same release.
		b.Level, b.Code, b.Reason = store.BrakeStop, snd.StateCode, snd.StateReason
	}
	now := e.cfg.Now()
	return b, e.release(ctx, snd, b, "operator", "resumed by "+by, now, nil)
}

// Pause holds a sender back by hand at level (pause_marketing,
// pause_business or stop; stop is the dashboard's pause, code
// dispatch.PausedCode). The score never lowers a hand brake.
func (e *Engine) Pause(ctx context.Context, phoneNumberID string, level store.BrakeLevel, by string) (store.Brake, error) {
	if Rank(level) < Rank(store.BrakePauseMarketing) {
		return store.Brake{}, fmt.Errorf("pause %s: level %q is no pause", phoneNumberID, level)
	}
	e.decide.Lock()
	defer e.decide.Unlock()
	snd, err := e.st.GetSender(ctx, phoneNumberID)
	if err != nil {
		return store.Brake{}, fmt.Errorf("pause %s: %w", phoneNumberID, err)
	}
	b, err := e.current(ctx, phoneNumberID)
	if err != nil {
		return b, err
	}
	if Rank(b.Level) >= Rank(level) || snd.State == store.SenderStopped {
		return b, fmt.Errorf("pause %s: %w", phoneNumberID, dispatch.ErrAlreadyStopped)
	}
	now := e.cfg.Now()
	nb := store.Brake{TenantID: snd.TenantID, PhoneNumberID: phoneNumberID, Level: level, RateFactor: 1,
		Reason: "paused by " + by, Score: b.Score, Manual: true, ChangedAt: now}
	if level == store.BrakeStop {
		nb.Code = dispatch.PausedCode
	}
	return b, e.set(ctx, snd, b, nb, "operator", now, store.IncidentPause)
}

// Tick does the engine's periodic work at now: brakes whose restriction
// expired are lifted (Meta sends no webhook when a block ends), a stop an
// operator resumed outside the engine (dispatch.Resume) is released, and
// the cache learns other replicas' decisions.
func (e *Engine) Tick(ctx context.Context) error {
	list, err := e.st.ListBrakes(ctx)
	if err != nil {
		return fmt.Errorf("risk: tick: %w", err)
	}
	now := e.cfg.Now()
	var errs []error
	for _, b := range list {
		if b.CampaignID != "" {
			continue
		}
		e.remember(b)
		expired := !b.Until.IsZero() && !now.Before(b.Until) && Rank(b.Level) >= Rank(store.BrakePauseMarketing)
		if !expired && b.Level != store.BrakeStop {
			continue
		}
		e.decide.Lock()
		err := e.tickOne(ctx, b.PhoneNumberID, now)
		e.decide.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) tickOne(ctx context.Context, phone string, now time.Time) error {
	b, err := e.current(ctx, phone) // again, under the lock
	if err != nil {
		return err
	}
	snd, err := e.st.GetSender(ctx, phone)
	if err != nil {
		return fmt.Errorf("risk: tick %s: %w", phone, err)
	}
	switch {
	case !b.Until.IsZero() && !now.Before(b.Until) && Rank(b.Level) >= Rank(store.BrakePauseMarketing):
		return e.release(ctx, snd, b, "expiry", "Meta's restriction expired at "+b.Until.UTC().Format(time.RFC3339), now, nil)
	case b.Level == store.BrakeStop && snd.State == store.SenderActive:
		return e.release(ctx, snd, b, "operator", "resumed outside the risk engine", now, nil)
	}
	return nil
}

// Run ticks every Config.Every until ctx ends, and sweeps counters older
// than the week window once an hour.
func (e *Engine) Run(ctx context.Context) {
	t := time.NewTicker(e.cfg.Every)
	defer t.Stop()
	var swept time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.Tick(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("risk tick", "err", err)
		}
		if now := e.cfg.Now(); now.Sub(swept) >= time.Hour {
			if _, err := e.st.DeleteRiskCountsBefore(ctx, now.Add(-WindowWeek-time.Hour)); err != nil && ctx.Err() == nil {
				e.log.Error("risk: sweep counters", "err", err)
			}
			swept = now
		}
	}
}

func displayOf(s store.Sender) string {
	if s.DisplayPhoneNumber != "" {
		return s.DisplayPhoneNumber
	}
	return s.PhoneNumberID
}
