package limits

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// SenderLister lists a WABA's senders: webhooks about a WABA (and those
// naming a number only by its display number) reach its senders through
// it.
type SenderLister interface {
	SendersByWABA(ctx context.Context, wabaID string) ([]store.Sender, error)
}

// Signals returns the consumer of Meta's webhooks about limits and sender
// health: phone_number_quality_update (tier, throughput upgrade),
// business_capability_update (the portfolio's limit), account_update
// (restrictions and bans of the WABA's numbers) and account_alerts
// (logged). Values it cannot read are logged and leave the state as it was,
// except a tier, which falls to SafeTier.
func (q *Quota) Signals(senders SenderLister) signal.Consumer {
	return signal.ConsumerFunc(func(ctx context.Context, batch []signal.Signal) error {
		var errs []error
		for _, s := range batch {
			if s.Kind != signal.Event || s.WABAID == "" {
				continue
			}
			var err error
			switch s.Field {
			case "phone_number_quality_update":
				err = q.qualityUpdate(ctx, senders, s)
			case "business_capability_update":
				err = q.capabilityUpdate(ctx, s)
			case "account_update":
				err = q.accountUpdate(ctx, senders, s)
			case "account_alerts":
				q.accountAlert(s)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s of WABA %s: %w", s.Field, s.WABAID, err))
			}
		}
		return errors.Join(errs...)
	})
}

// tierValue reads a limit field that Meta sends as a tier name or a
// number; "" when absent.
func tierValue(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return string(raw) // neither: ParseTier refuses it and SafeTier holds
}

type qualityValue struct {
	DisplayPhoneNumber  string          `json:"display_phone_number"`
	Event               string          `json:"event"`
	CurrentLimit        json.RawMessage `json:"current_limit"`
	MaxDailyPerBusiness json.RawMessage `json:"max_daily_conversations_per_business"`
}

func (q *Quota) qualityUpdate(ctx context.Context, senders SenderLister, s signal.Signal) error {
	var v qualityValue
	if err := json.Unmarshal(s.Raw, &v); err != nil {
		q.log.Warn("limits: unreadable phone_number_quality_update, ignored", "waba", s.WABAID, "err", err)
		return nil
	}
	portfolio := q.PortfolioOfWABA(s.WABAID)
	// Since October 2025 the limit is the portfolio's: the per-business
	// field wins, current_limit (to be removed) is read when it is alone.
	limit := tierValue(v.MaxDailyPerBusiness)
	if limit == "" {
		limit = tierValue(v.CurrentLimit)
	}
	tier := ""
	if limit != "" {
		var err error
		if tier, err = q.SetTier(ctx, portfolio, limit, s.At); err != nil {
			return err
		}
	}
	list, err := senders.SendersByWABA(ctx, s.WABAID)
	if err != nil {
		return fmt.Errorf("limits: senders: %w", err)
	}
	for _, snd := range list {
		if v.DisplayPhoneNumber != "" && digits(snd.DisplayPhoneNumber) != digits(v.DisplayPhoneNumber) {
			continue
		}
		if err := q.updateHealth(ctx, snd.PhoneNumberID, portfolio, s.At, func(h *store.SenderHealth) {
			if tier != "" {
				h.Tier = tier
			}
			if strings.EqualFold(v.Event, "THROUGHPUT_UPGRADE") {
				h.Throughput = "HIGH"
			}
		}); err != nil {
			return err
		}
		// ONBOARDING: Meta says the number was just registered: a new
		// number, whose volume ramps up along the warm-up curve.
		if strings.EqualFold(v.Event, "ONBOARDING") {
			if err := q.StartWarmup(ctx, snd.PhoneNumberID, WarmupOnboarding, s.At); err != nil {
				return err
			}
		}
	}
	return nil
}

type capabilityValue struct {
	MaxDailyPerBusiness json.RawMessage `json:"max_daily_conversations_per_business"`
	MaxDailyPerPhone    json.RawMessage `json:"max_daily_conversation_per_phone"`
}

func (q *Quota) capabilityUpdate(ctx context.Context, s signal.Signal) error {
	var v capabilityValue
	if err := json.Unmarshal(s.Raw, &v); err != nil {
		q.log.Warn("limits: unreadable business_capability_update, ignored", "waba", s.WABAID, "err", err)
		return nil
	}
	limit := tierValue(v.MaxDailyPerBusiness)
	if limit == "" {
		limit = tierValue(v.MaxDailyPerPhone)
	}
	if limit == "" {
		return nil // a change of the number of phone numbers allowed only
	}
	_, err := q.SetTier(ctx, q.PortfolioOfWABA(s.WABAID), limit, s.At)
	return err
}

type accountValue struct {
	Event           string `json:"event"`
	RestrictionInfo []struct {
		RestrictionType string `json:"restriction_type"`
	} `json:"restriction_info"`
	BanInfo struct {
		State string `json:"waba_ban_state"`
	} `json:"ban_info"`
}

func (q *Quota) accountUpdate(ctx context.Context, senders SenderLister, s signal.Signal) error {
	var v accountValue
	if err := json.Unmarshal(s.Raw, &v); err != nil {
		q.log.Warn("limits: unreadable account_update, ignored", "waba", s.WABAID, "err", err)
		return nil
	}
	status := ""
	switch v.Event {
	case "ACCOUNT_RESTRICTION":
		for _, r := range v.RestrictionInfo {
			if r.RestrictionType == "RESTRICTED_BIZ_INITIATED_MESSAGING" || r.RestrictionType == "RESTRICTED_CUSTOMER_INITIATED_MESSAGING" {
				status = "RESTRICTED"
			}
		}
	case "DISABLED_UPDATE":
		switch v.BanInfo.State {
		case "DISABLE":
			status = "BANNED"
		case "REINSTATE":
			status = "CONNECTED"
		}
	case "ACCOUNT_DELETED", "ACCOUNT_OFFBOARDED":
		status = "DISCONNECTED"
	case "ACCOUNT_RECONNECTED":
		status = "CONNECTED"
	}
	if status == "" {
		return nil
	}
	list, err := senders.SendersByWABA(ctx, s.WABAID)
	if err != nil {
		return fmt.Errorf("limits: senders: %w", err)
	}
	for _, snd := range list {
		if err := q.updateHealth(ctx, snd.PhoneNumberID, q.PortfolioOfWABA(s.WABAID), s.At,
			func(h *store.SenderHealth) { h.Status = status }); err != nil {
			return err
		}
	}
	return nil
}

type alertValue struct {
	EntityType string `json:"entity_type"`
	EntityID   string `json:"entity_id"`
	AlertInfo  struct {
		Severity string `json:"alert_severity"`
		Status   string `json:"alert_status"`
		Type     string `json:"alert_type"`
	} `json:"alert_info"`
}

// accountAlert logs an alert: a denied limit increase
// (INCREASED_CAPABILITIES_ELIGIBILITY_*) leaves the limit where it was.
func (q *Quota) accountAlert(s signal.Signal) {
	var v alertValue
	if err := json.Unmarshal(s.Raw, &v); err != nil {
		q.log.Warn("limits: unreadable account_alerts, ignored", "waba", s.WABAID, "err", err)
		return
	}
	q.log.Info("limits: account alert", "waba", s.WABAID, "entity_type", v.EntityType, "entity_id", v.EntityID,
		"type", v.AlertInfo.Type, "severity", v.AlertInfo.Severity, "status", v.AlertInfo.Status)
}

// updateHealth reads a sender's health, changes it with fn and writes it
// back. Meta's clock orders updates: one older than what is stored changes
// nothing.
func (q *Quota) updateHealth(ctx context.Context, phoneNumberID, portfolio string, at time.Time, fn func(*store.SenderHealth)) error {
	h, err := q.st.GetSenderHealth(ctx, phoneNumberID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("limits: %w", err)
	}
	if err == nil && at.Before(h.UpdatedAt) {
		return nil
	}
	h.PhoneNumberID, h.PortfolioID = phoneNumberID, portfolio
	fn(&h)
	if at.After(h.UpdatedAt) {
		h.UpdatedAt = at
	}
	if err := q.st.PutSenderHealth(ctx, h); err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	return nil
}

func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
