package intake

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/content"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
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

// ContentChecker reads the text a person will see in a message; the facts
// loader runs it once per message at intake (CPU work, no store read).
type ContentChecker interface {
	Check(ctx context.Context, tenantID string, m content.Message) content.Result
}

// SendsReader reads what a contact was sent lately that the cadence rules
// count.
type SendsReader interface {
	RecentSends(ctx context.Context, tenantID, waID string, since time.Time) ([]store.ContactSend, error)
}

// FailureReader tells when a tenant's latest message to a person (any of
// their aliases) failed with a Graph code, after since.
type FailureReader interface {
	LastFailedWith(ctx context.Context, tenantID string, waIDs []string, code int, since time.Time) (time.Time, error)
}

// marketingLookback is how far back the loader looks for a 131049: longer
// than any marketing hold a tenant may set.
const marketingLookback = 7 * 24 * time.Hour

// BrakeReader reads the risk engine's hold on a sender: nil when nothing
// holds it back.
type BrakeReader interface {
	BrakeFacts(senderID string) *policy.BrakeFacts
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
	// Content is optional: without it no content facts are known and the
	// content rule allows. It runs at intake only: the text of an accepted
	// message does not change before its send.
	Content ContentChecker
	// Logger hears of a classifier that failed (its layer is then skipped
	// for the message); slog.Default when nil.
	Logger *slog.Logger
	// Failures is optional: with it, marketing templates carry when Meta
	// last failed one to the person with 131049 (MarketingLimitedAt),
	// read from the store so that every replica sees it.
	Failures FailureReader
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
	// Brakes is optional: with it, every message carries the risk
	// engine's brake on its sender (a memory read).
	Brakes BrakeReader
	// MaxEntries bounds the cache (100,000 when zero).
	MaxEntries int
	// Lookback gives a tenant's cadence window: a template's Facts.Recent
	// holds the contact's counted sends within it (none when it is zero).
	// They come from memory: the sends this process committed (Counted),
	// kept for the window. That view is never more than the truth — sends
	// are only added once committed — so a refusal the rules make on it is
	// right; what it lacks (sends committed by another replica, or before
	// a restart) the commit finds, since it counts again inside its
	// transaction, and that is what makes a cap exact.
	Lookback func(tenantID string) time.Duration
	// Sends, when set, is read when memory has nothing of a contact, so the
	// rules see other replicas' sends too; it costs a store read per
	// template to a new contact (a campaign's every message).
	Sends SendsReader
	Now   func() time.Time
}

// Facts loads the facts the rules read, from memory where it can. It is
// safe for concurrent use.
type Facts struct {
	cfg FactsConfig

	mu sync.Mutex
	// forgets counts Forget calls: a load that read the store before a
	// Forget must not put what it read into the cache after it (the
	// record that made the ledger forget would be hidden until the TTL).
	forgets uint64
	consent map[string]cachedConsent // tenant \x00 wa_id →
	windows map[string]time.Time     // sender \x00 wa_id → last inbound
	sent    map[string][]policy.Sent // tenant \x00 wa_id → counted sends, oldest first
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Facts{cfg: cfg, consent: map[string]cachedConsent{}, windows: map[string]time.Time{}, sent: map[string][]policy.Sent{}}
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
	if f.cfg.Brakes != nil {
		out.Brake = f.cfg.Brakes.BrakeFacts(m.PhoneNumberID)
	}
	if f.cfg.Templates != nil {
		out.Template = f.cfg.Templates.TemplateFacts(m)
	}
	if f.cfg.Content != nil && cached && m.Request != nil {
		// Before the group check: what a group reads is checked too.
		body := ""
		if out.Template != nil {
			body = out.Template.Body
		}
		res := f.cfg.Content.Check(ctx, m.TenantID, content.FromRequest(m.Request, body))
		if res.ClassifierErr != nil {
			f.cfg.Logger.WarnContext(ctx, "content classifier failed; its layer is skipped for this message",
				"tenant_id", m.TenantID, "err", res.ClassifierErr)
		}
		out.Content = &res
	}
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
	f.mu.Lock()
	gen := f.forgets
	if cached {
		if e, ok := f.consent[ck]; ok && now.Before(e.until) {
			out.Consent, hit = e.c, true
		}
	}
	f.mu.Unlock()
	if !hit {
		c, err := f.consentOf(ctx, m.TenantID, who)
		if err != nil {
			return policy.Facts{}, err
		}
		out.Consent = c
		f.mu.Lock()
		if f.forgets == gen {
			// Nothing was recorded since the read began: safe to keep.
			f.room()
			f.consent[ck] = cachedConsent{c: c, until: now.Add(f.cfg.TTL)}
		}
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
	// Only at intake: no send-time rule counts sends (the commit did).
	if cached && f.cfg.Lookback != nil && m.Request != nil && m.Request.IsTemplate() {
		if back := f.cfg.Lookback(m.TenantID); back > 0 {
			recent, err := f.recent(ctx, m.TenantID, who, m.Now.Add(-back))
			if err != nil {
				return policy.Facts{}, err
			}
			out.Recent = recent
		}
	}
	if f.cfg.Failures != nil && m.WaID != "" && m.Request != nil && m.Request.IsTemplate() &&
		(out.Template == nil || out.Template.Category == "" || out.Template.Category == consent.Marketing) {
		at, err := f.cfg.Failures.LastFailedWith(ctx, m.TenantID, phone.Number{WaID: m.WaID}.Aliases(), wire.CodeEcosystem, now.Add(-marketingLookback))
		if err != nil {
			return policy.Facts{}, fmt.Errorf("marketing limit: %w", err)
		}
		out.MarketingLimitedAt = at
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

// recent returns a contact's counted sends at or after since: from memory,
// or from the store when memory has none and a reader is configured.
func (f *Facts) recent(ctx context.Context, tenantID, who string, since time.Time) ([]policy.Sent, error) {
	k := tenantID + "\x00" + who
	f.mu.Lock()
	mem, ok := f.sent[k]
	var out []policy.Sent
	for _, s := range mem {
		if !s.At.Before(since) {
			out = append(out, s)
		}
	}
	f.mu.Unlock()
	if ok || f.cfg.Sends == nil {
		return out, nil
	}
	rows, err := f.cfg.Sends.RecentSends(ctx, tenantID, who, since)
	if err != nil {
		return nil, fmt.Errorf("recent sends: %w", err)
	}
	out = make([]policy.Sent, len(rows))
	for i, s := range rows {
		out[i] = policy.Sent{Category: consent.Category(s.Category), ContentHash: s.ContentHash, At: s.At}
	}
	return out, nil
}

// Counted records a send the commit admitted, for the contact's next
// message through this process.
func (f *Facts) Counted(c store.ContactSend) {
	if f.cfg.Lookback == nil {
		return
	}
	back := f.cfg.Lookback(c.TenantID)
	k := c.TenantID + "\x00" + c.WaID
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.sent[k]; !ok && len(f.sent) >= f.cfg.MaxEntries {
		cut := f.cfg.Now().Add(-back)
		for key, ss := range f.sent {
			if len(ss) == 0 || ss[len(ss)-1].At.Before(cut) {
				delete(f.sent, key)
			}
		}
		if len(f.sent) >= f.cfg.MaxEntries {
			clear(f.sent) // a cache: the commit still counts exactly
		}
	}
	ss := f.sent[k]
	// Drop what has left the window, then keep the order by time.
	cut := c.At.Add(-back)
	n := 0
	for _, s := range ss {
		if !s.At.Before(cut) {
			ss[n] = s
			n++
		}
	}
	ss = append(ss[:n], policy.Sent{Category: consent.Category(c.Category), ContentHash: c.ContentHash, At: c.At})
	slices.SortStableFunc(ss, func(a, b policy.Sent) int { return a.At.Compare(b.At) })
	f.sent[k] = ss
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
	f.forgets++
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
