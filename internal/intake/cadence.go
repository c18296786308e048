package intake

import (
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// CadenceLimits are a tenant's per-contact frequency caps and repeat
// period, as its Frequency and Repeat rules hold them.
type CadenceLimits struct {
	Caps   map[consent.Category]policy.Cap
	Repeat time.Duration
}

// Lookback is how far back the limits look: the longest cap window or the
// repeat period; zero when they count nothing.
func (l CadenceLimits) Lookback() time.Duration {
	d := l.Repeat
	for _, c := range l.Caps {
		if c.On() && c.Per > d {
			d = c.Per
		}
	}
	return d
}

// cadenceOf is what the commit checks and records for an accepted
// template; nil when the limits cover nothing of it.
func (l CadenceLimits) cadenceOf(m *policy.Message, id, waID, category string, now time.Time) *store.Cadence {
	if m.Request == nil || !m.Request.IsTemplate() || waID == "" || m.Request.RecipientType == "group" {
		return nil
	}
	c := &store.Cadence{TenantID: m.TenantID, WaID: waID, Category: category, MessageID: id, At: now,
		ContentHash: policy.ContentHash(m.Request)}
	if cp, ok := l.Caps[consent.Category(category)]; ok && cp.On() {
		c.CapMax, c.CapSince = cp.Max, now.Add(-cp.Per)
	}
	if l.Repeat > 0 {
		c.RepeatSince = now.Add(-l.Repeat)
	}
	if c.CapMax == 0 && c.RepeatSince.IsZero() {
		return nil
	}
	return c
}

// sendCounter is a facts loader that keeps the sends this process
// committed (Facts does).
type sendCounter interface {
	Counted(store.ContactSend)
}

// cadenceRefusal is the decision of a refusal the commit made.
func cadenceRefusal(r store.CadenceRefusal, lang refusal.Lang) policy.Decision {
	code := refusal.FrequencyCap
	if r == store.CadenceRepeat {
		code = refusal.FrequencyRepeat
	}
	return policy.Refused(policy.Frequency{}.Name(), code, lang, "")
}
