package inbound

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wabaguard/wabaguard/internal/store"
)

// A webhook change other than messages is about exactly one tenant (its
// signal's TenantID, the one it is forwarded to), never every tenant that
// happens to have a sender in the WABA: a user's marketing stop or a
// number's PIN reset is that number's business alone.
//
//   - Per-number fields carry metadata.phone_number_id (user_preferences,
//     calls, smb_message_echoes, …): the number's tenant, or nobody when the
//     number is unknown.
//   - account_alerts about a PHONE_NUMBER entity: that number's tenant.
//   - Fields naming a number by display_phone_number
//     (phone_number_quality_update, phone_number_name_update, security, …):
//     the tenant of the WABA's sender with that number.
//   - Everything else is WABA-level (account_update, message_template_*,
//     template_category_update, business_capability_update, …): the WABA's
//     owner. A WABA belongs to one tenant (the store and the configuration
//     refuse splitting one); should stored data still split one, a WABA-level
//     event is forwarded to nobody rather than to all.

// routeKeys are the parts of a change value that say whom it concerns.
type routeKeys struct {
	Metadata *struct {
		PhoneNumberID string `json:"phone_number_id"`
	} `json:"metadata"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	EntityType         string `json:"entity_type"`
	EntityID           string `json:"entity_id"`
}

// routeOther returns the tenant a non-messages change goes to, or "" when
// it goes to nobody (logged).
func (p *Processor) routeOther(ctx context.Context, wabaID string, c parsedChange) (string, error) {
	var k routeKeys
	// A value that is not an object names no number: it is WABA-level.
	_ = json.Unmarshal(c.raw, &k)
	if k.Metadata != nil && k.Metadata.PhoneNumberID != "" {
		return p.numberTenant(ctx, wabaID, c.field, k.Metadata.PhoneNumberID)
	}
	if strings.EqualFold(k.EntityType, "PHONE_NUMBER") && k.EntityID != "" {
		return p.numberTenant(ctx, wabaID, c.field, k.EntityID)
	}
	senders, err := p.wabaSenders(ctx, wabaID)
	if err != nil {
		return "", err
	}
	if len(senders) == 0 {
		p.log.Info("webhook for unknown WABA not forwarded", "waba", wabaID, "field", c.field)
		return "", nil
	}
	if want := digits(k.DisplayPhoneNumber); want != "" {
		for _, s := range senders {
			if digits(s.DisplayPhoneNumber) == want {
				return s.TenantID, nil
			}
		}
		// A number the gateway does not know by that display form: it is
		// still the WABA's, so its owner hears of it.
	}
	owner := senders[0].TenantID
	for _, s := range senders[1:] {
		if s.TenantID != owner {
			p.log.Error("webhook for a WABA split across tenants not forwarded; assign all its senders to one tenant",
				"waba", wabaID, "field", c.field, "tenants", []string{owner, s.TenantID})
			return "", nil
		}
	}
	return owner, nil
}

// numberTenant is the tenant of a phone number, or "" when it is unknown.
func (p *Processor) numberTenant(ctx context.Context, wabaID, field, pnid string) (string, error) {
	snd, ok, err := p.sender(ctx, pnid)
	if err != nil {
		return "", err
	}
	if !ok {
		p.log.Info("webhook for unknown sender not forwarded", "waba", wabaID, "field", field, "phone_number_id", pnid)
		return "", nil
	}
	return snd.TenantID, nil
}

// wabaSenders lists the senders of a WABA, cached for LookupTTL.
func (p *Processor) wabaSenders(ctx context.Context, wabaID string) ([]store.Sender, error) {
	now := p.cfg.Now()
	p.mu.Lock()
	c, ok := p.wabas[wabaID]
	p.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.senders, nil
	}
	ss, err := p.st.SendersByWABA(ctx, wabaID)
	if err != nil {
		return nil, fmt.Errorf("senders of WABA %s: %w", wabaID, err)
	}
	p.mu.Lock()
	p.wabas[wabaID] = cachedWABA{senders: ss, until: now.Add(p.cfg.LookupTTL)}
	p.mu.Unlock()
	return ss, nil
}

// digits keeps only the digits of a phone number as displayed, so that
// "+55 11 4000-0000" and "551140000000" compare equal.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
