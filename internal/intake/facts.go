package intake

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/policy"
)

// ConsentReader reads a contact's current consent.
type ConsentReader interface {
	CurrentByWaID(ctx context.Context, tenantID, waID string) (consent.Current, error)
}

// WindowReader reads when a person last wrote to a sender.
type WindowReader interface {
	GetWindow(ctx context.Context, senderID, waID string) (time.Time, error)
}

// IdentityReader tells a person's other name: the wa_id of a BSUID, or the
// BSUID of a wa_id ("" when none is known).
type IdentityReader interface {
	LinkedIdentity(ctx context.Context, tenantID, id string) (string, error)
}

// TemplateReader tells what the local template cache knows of a message's
// template (nil for a message that sends none).
type TemplateReader interface {
	TemplateFacts(m *policy.Message) *policy.TemplateFacts
}

// QuotaReader reads the business portfolio's messaging limit and use for a
// message from a sender to a person.
type QuotaReader interface {
	Facts(ctx context.Context, senderID, who string, now time.Time) (*policy.QuotaFacts, error)
}

// FactsConfig wires a Facts loader.
type FactsConfig struct {
	Consent ConsentReader
	Windows WindowReader
	// Templates is optional: without it no template facts are known and
	// the template rule allows.
	Templates TemplateReader
	// Identities is optional: with it, consent recorded under a person's
	// other name (number or BSUID) counts too.
	Identities IdentityReader
	// TTL bounds how long a contact's consent is served from memory
	// without a store read (2 s when zero). Changes made through this
	// process's ledger and webhooks reach the cache at once (Forget); the
	// TTL bounds how stale a change made by another replica or by the CLI
	// can be at intake, and the send-time stage reads fresh facts anyway.
	TTL time.Duration
	// Quota is optional: with it, templates sent outside an open window
	// carry the portfolio's messaging-limit facts (always read from the
	// store: the count moves with every send of every replica).
	Quota QuotaReader
	// MaxEntries bounds the cache (100,000 when zero).
	MaxEntries int
	Now        func() time.Time
}

// Facts loads the facts the rules read, from memory where it can. It is
// safe for concurrent use.
type Facts struct {
	cfg FactsConfig

	mu      sync.Mutex
	consent map[string]cachedConsent // tenant \x00 wa_id →
	windows map[string]time.Time     // sender \x00 wa_id → last inbound
}

type cachedConsent struct {
	c     consent.Current
	until time.Time
}

// NewFacts returns a loader.
func NewFacts(cfg FactsConfig) *Facts {
	if cfg.TTL <= 0 {
		cfg.TTL = 2 * time.Second
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 100_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Facts{cfg: cfg, consent: map[string]cachedConsent{}, windows: map[string]time.Time{}}
}

// Load implements FactsLoader: consent from the cache (read through on a
// miss), the window from the cache while it shows an open window (windows
// only move forward, so a cached open window is never wrong; a closed one
// is read again, since the person may have just written, perhaps through
// another replica).
func (f *Facts) Load(ctx context.Context, m *policy.Message) (policy.Facts, error) {
	return f.load(ctx, m, true)
}

// Fresh loads the facts bypassing the cache: the send-time stage calls it
// right before a send, so that an opt-out committed anywhere stops the
// very next send.
func (f *Facts) Fresh(ctx context.Context, m *policy.Message) (policy.Facts, error) {
	return f.load(ctx, m, false)
}

func (f *Facts) load(ctx context.Context, m *policy.Message, cached bool) (policy.Facts, error) {
	out := policy.Facts{Loaded: true}
	who := m.WaID
	if who == "" && m.Request != nil && m.Request.RecipientType != "group" && phone.IsBSUID(m.Request.To) {
		// A person known by a business-scoped user id: consent and
		// opt-outs recorded for that id hold (the ledger keys it as it
		// keys numbers).
		who = m.Request.To
	}
	if who == "" {
		// A group: no per-person consent or window applies.
		out.Loaded = false
		return out, nil
	}
	now := f.cfg.Now()
	ck := m.TenantID + "\x00" + who
	wk := m.PhoneNumberID + "\x00" + who

	hit := false
	if cached {
		f.mu.Lock()
		if e, ok := f.consent[ck]; ok && now.Before(e.until) {
			out.Consent, hit = e.c, true
		}
		f.mu.Unlock()
	}
	if !hit {
		c, err := f.consentOf(ctx, m.TenantID, who)
		if err != nil {
			return policy.Facts{}, err
		}
		out.Consent = c
		f.mu.Lock()
		f.room()
		f.consent[ck] = cachedConsent{c: c, until: now.Add(f.cfg.TTL)}
		f.mu.Unlock()
	}

	needWindow := m.Request != nil && !m.Request.IsTemplate()
	needQuota := f.cfg.Quota != nil && m.Request != nil && m.Request.IsTemplate()
	if needWindow || needQuota || out.Consent.Marketing.Action == consent.OptOut {
		// Only free-form messages (and the suppression rule's "did the
		// person write again after stopping?") read the window.
		winHit := false
		if cached {
			f.mu.Lock()
			if at, ok := f.windows[wk]; ok && m.Now.Sub(at) < policy.ServiceWindow {
				out.LastInbound, winHit = at, true
			}
			f.mu.Unlock()
		}
		if !winHit {
			at, err := f.cfg.Windows.GetWindow(ctx, m.PhoneNumberID, who)
			if err != nil {
				return policy.Facts{}, fmt.Errorf("window: %w", err)
			}
			out.LastInbound = at
			if !at.IsZero() {
				f.Opened(m.PhoneNumberID, who, at)
			}
		}
	}
	if f.cfg.Templates != nil {
		out.Template = f.cfg.Templates.TemplateFacts(m)
	}
	if needQuota && (out.LastInbound.IsZero() || m.Now.Sub(out.LastInbound) >= policy.ServiceWindow) {
		q, err := f.cfg.Quota.Facts(ctx, m.PhoneNumberID, who, m.Now)
		if err != nil {
			return policy.Facts{}, fmt.Errorf("quota: %w", err)
		}
		out.Quota = q
	}
	return out, nil
}

// consentOf reads a person's consent under both their names, the latest
// record of each category winning, as it would in one chain (it is one
// chain: seq orders all of a tenant's records).
func (f *Facts) consentOf(ctx context.Context, tenantID, who string) (consent.Current, error) {
	c, err := f.cfg.Consent.CurrentByWaID(ctx, tenantID, who)
	if err != nil {
		return c, fmt.Errorf("consent: %w", err)
	}
	if f.cfg.Identities == nil {
		return c, nil
	}
	other, err := f.cfg.Identities.LinkedIdentity(ctx, tenantID, who)
	if err != nil || other == "" {
		return c, err
	}
	o, err := f.cfg.Consent.CurrentByWaID(ctx, tenantID, other)
	if err != nil {
		return c, fmt.Errorf("consent of the linked identity: %w", err)
	}
	latest := func(a, b consent.State) consent.State {
		if b.Seq > a.Seq {
			return b
		}
		return a
	}
	return consent.Current{
		Marketing:      latest(c.Marketing, o.Marketing),
		Utility:        latest(c.Utility, o.Utility),
		Authentication: latest(c.Authentication, o.Authentication),
	}, nil
}

// room makes space for one more consent entry; f.mu is held. When full it
// drops what has expired, and everything if nothing has: a cache, not a
// record.
func (f *Facts) room() {
	if len(f.consent) < f.cfg.MaxEntries {
		return
	}
	now := f.cfg.Now()
	for k, e := range f.consent {
		if !now.Before(e.until) {
			delete(f.consent, k)
		}
	}
	if len(f.consent) >= f.cfg.MaxEntries {
		clear(f.consent)
	}
}

// Forget drops a contact's cached consent: the ledger calls it after every
// record it appends.
func (f *Facts) Forget(tenantID, waID string) {
	f.mu.Lock()
	delete(f.consent, tenantID+"\x00"+waID)
	f.mu.Unlock()
}

// Opened records that a person wrote to a sender at at: the inbound
// webhook processing calls it, so a reply right after is allowed without a
// store read.
func (f *Facts) Opened(senderID, waID string, at time.Time) {
	k := senderID + "\x00" + waID
	f.mu.Lock()
	defer f.mu.Unlock()
	if prev, ok := f.windows[k]; ok && !at.After(prev) {
		return
	}
	if len(f.windows) >= f.cfg.MaxEntries {
		for k, t := range f.windows {
			if f.cfg.Now().Sub(t) >= policy.ServiceWindow {
				delete(f.windows, k)
			}
		}
		if len(f.windows) >= f.cfg.MaxEntries {
			clear(f.windows)
		}
	}
	f.windows[k] = at
}
