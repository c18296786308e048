package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wabaguard/wabaguard/internal/egress"
)

// WebhookDestinations says which addresses tenant webhook URLs may reach.
// Public addresses always may; link-local (cloud metadata), multicast,
// unspecified and reserved ones never do, unless listed in AllowCIDRs.
type WebhookDestinations struct {
	// AllowLoopback allows 127.0.0.0/8 and ::1. Default: true in the
	// zero-configuration demo (no tenants declared, the demo tenant's
	// webhook is the gateway's own /_demo/webhook), false otherwise.
	AllowLoopback *bool `json:"allow_loopback"`
	// AllowPrivate allows RFC 1918 ranges, fc00::/7 and 100.64.0.0/10.
	AllowPrivate bool `json:"allow_private"`
	// AllowCIDRs allows these ranges (or single addresses) whatever their
	// kind.
	AllowCIDRs []string `json:"allow_cidrs"`
}

// WebhookPolicy is the destination policy of tenant webhooks.
func (c Config) WebhookPolicy() (egress.Policy, error) {
	d := c.WebhookDestinations
	loop := len(c.Tenants) == 0
	if d.AllowLoopback != nil {
		loop = *d.AllowLoopback
	}
	allow, err := egress.ParsePrefixes(d.AllowCIDRs)
	if err != nil {
		return egress.Policy{}, fmt.Errorf("webhook_destinations.allow_cidrs: %w", err)
	}
	return egress.Policy{AllowLoopback: loop, AllowPrivate: d.AllowPrivate, Allow: allow}, nil
}

// webhookErrors checks the policy and every tenant's webhook URL against it.
func (c Config) webhookErrors() []error {
	p, err := c.WebhookPolicy()
	if err != nil {
		return []error{err}
	}
	var errs []error
	for i, t := range c.Tenants {
		if t.WebhookURL == "" {
			continue
		}
		if err := p.CheckURL(t.WebhookURL); err != nil {
			errs = append(errs, fmt.Errorf("tenants[%d].webhook_url %w%s", i, err, allowHint(err)))
		}
	}
	return errs
}

// allowHint says which setting would allow a refused address.
func allowHint(err error) string {
	var re *egress.RefusedError
	if !errors.As(err, &re) {
		return ""
	}
	switch re.Reason {
	case "loopback":
		return " (set webhook_destinations.allow_loopback, WABAGUARD_WEBHOOK_ALLOW_LOOPBACK=true, to allow it)"
	case "private":
		return " (set webhook_destinations.allow_private, WABAGUARD_WEBHOOK_ALLOW_PRIVATE=true, to allow it)"
	}
	return " (list its range in webhook_destinations.allow_cidrs, WABAGUARD_WEBHOOK_ALLOW_CIDRS, only if it truly is the receiver)"
}

// splitList splits a comma-separated environment value.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
