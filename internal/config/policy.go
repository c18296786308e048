package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/content"
)

// Policy chooses which of the compliance rules that read facts are
// enforced. Suppression (opt-outs and erasures) is always enforced: it is
// the one rule no business may switch off. Each of the others is "enforce"
// (the default) or "off".
type Policy struct {
	// Consent requires an opt-in on record for every template's category.
	Consent string `json:"consent,omitempty"`
	// Window refuses free-form messages outside the 24-hour window.
	Window string `json:"window,omitempty"`
	// Template refuses templates the local cache knows cannot be sent.
	Template string `json:"template,omitempty"`
	// ContentCheck runs the content checker (docs/content.md): "enforce"
	// (the default) or "off".
	ContentCheck string `json:"content_check,omitempty"`
	// Content sets the action per content category or group
	// ({"structure": "off", "restricted.alcohol": "warn"}): block, warn
	// or off. Unset categories keep the defaults; a tenant's
	// tenants[].content goes over these.
	Content map[string]string `json:"content,omitempty"`
	// ContentThresholds are the classifier's scores from which its verdict
	// is a finding (0.9 each when unset). Global only.
	ContentThresholds *ContentThresholds `json:"content_thresholds,omitempty"`
	// TemplateLint checks template creations made through the gateway
	// against Meta's format and category rules before they reach Meta.
	TemplateLint string `json:"template_lint,omitempty"`
	// FactsTTL bounds how long a contact's consent is served from memory
	// at intake, as a Go duration ("2s" when empty); send-time checks
	// always read the store.
	FactsTTL Duration `json:"facts_ttl,omitempty"`
	// Frequency and QuietHours are every tenant's defaults (global policy
	// only; a tenant sets its own as tenants[].frequency and
	// tenants[].quiet_hours). See docs/cadence.md.
	Frequency  *Frequency  `json:"frequency,omitempty"`
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
	// MarketingHold is how long marketing to a person waits after Meta
	// failed one with 131049, the per-user marketing limit ("24h" when
	// empty, Meta's minimum). See docs/pacing.md.
	MarketingHold Duration `json:"marketing_hold,omitempty"`
}

// Policy settings.
const (
	Enforce = "enforce"
	Off     = "off"
)

// Enforces reports whether a rule setting is on (empty means enforce).
func Enforces(setting string) bool { return setting != Off }

func (p *Policy) validate(where string) error {
	if p == nil {
		return nil
	}
	var errs []error
	for _, f := range []struct{ name, v string }{{"consent", p.Consent}, {"window", p.Window}, {"template", p.Template},
		{"content_check", p.ContentCheck}, {"template_lint", p.TemplateLint}} {
		if f.v != "" && f.v != Enforce && f.v != Off {
			errs = append(errs, fmt.Errorf("%s.%s %q is not enforce or off", where, f.name, f.v))
		}
	}
	if _, err := content.ParseActions(p.Content); err != nil {
		errs = append(errs, fmt.Errorf("%s.content: %w", where, err))
	}
	if t := p.ContentThresholds; t != nil {
		for _, f := range []struct {
			name string
			v    float64
		}{{"spam", t.Spam}, {"smishing", t.Smishing}} {
			if f.v < 0 || f.v > 1 {
				errs = append(errs, fmt.Errorf("%s.content_thresholds.%s %v is outside 0..1", where, f.name, f.v))
			}
		}
	}
	errs = append(errs, p.Frequency.validate(where+".frequency"), p.QuietHours.validate(where+".quiet_hours"))
	if h := p.MarketingHold.D(); h != 0 && h < 24*time.Hour {
		errs = append(errs, fmt.Errorf("%s.marketing_hold %s is under 24h, the least Meta asks after a 131049", where, h))
	}
	return errors.Join(errs...)
}

// PolicyFor returns a tenant's policy: its own settings over the global
// ones.
func (c Config) PolicyFor(tenantID string) Policy {
	p := c.Policy
	for _, t := range c.Tenants {
		if t.ID != tenantID || t.Policy == nil {
			continue
		}
		if t.Policy.Consent != "" {
			p.Consent = t.Policy.Consent
		}
		if t.Policy.Window != "" {
			p.Window = t.Policy.Window
		}
		if t.Policy.Template != "" {
			p.Template = t.Policy.Template
		}
		if t.Policy.ContentCheck != "" {
			p.ContentCheck = t.Policy.ContentCheck
		}
		if t.Policy.TemplateLint != "" {
			p.TemplateLint = t.Policy.TemplateLint
		}
		if t.Policy.MarketingHold != 0 {
			p.MarketingHold = t.Policy.MarketingHold
		}
	}
	return p
}

// ContentThresholds are the classifier's thresholds, from 0 to 1.
type ContentThresholds struct {
	Spam     float64 `json:"spam,omitempty"`
	Smishing float64 `json:"smishing,omitempty"`
}

// ContentActionsFor returns a tenant's content actions: the global
// policy.content, then its tenants[].content and tenants[].policy.content
// over them.
func (c Config) ContentActionsFor(tenantID string) (content.Actions, error) {
	layers := []map[string]string{c.Policy.Content}
	for _, t := range c.Tenants {
		if t.ID != tenantID {
			continue
		}
		if t.Policy != nil {
			layers = append(layers, t.Policy.Content)
		}
		layers = append(layers, t.Content)
	}
	return content.ParseActions(layers...)
}

// DoubleOptIn is a tenant's confirmation of opt-ins: when a marketing
// opt-in is recorded from a form, an import or the API, the gateway sends
// the person this template (with no parameters) from PhoneNumberID, and the
// opt-in counts for marketing only once the person answers it on WhatsApp
// ("SIM", "sim, aceito", "yes", "sí"…).
type DoubleOptIn struct {
	Template      string `json:"template"`
	Language      string `json:"language"`
	PhoneNumberID string `json:"phone_number_id"`
}
