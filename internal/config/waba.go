package config

import (
	"fmt"
	"slices"
)

// wabaSplits reports every WABA whose declared senders belong to more than
// one tenant. A WABA belongs to one tenant: its account-level webhooks
// (template reviews, restrictions, bans) must have exactly one addressee.
func wabaSplits(senders []SenderConfig) []error {
	var order []string
	tenants := map[string][]string{}
	for _, s := range senders {
		if s.WABAID == "" {
			continue
		}
		ts, seen := tenants[s.WABAID]
		if !seen {
			order = append(order, s.WABAID)
		}
		if !slices.Contains(ts, s.TenantID) {
			tenants[s.WABAID] = append(ts, s.TenantID)
		}
	}
	var errs []error
	for _, w := range order {
		if ts := tenants[w]; len(ts) > 1 {
			errs = append(errs, fmt.Errorf("senders: waba_id %q is split across tenants %q; a WABA belongs to one tenant, so declare all its senders under one of them", w, ts))
		}
	}
	return errs
}

// PortfolioConfig declares a business portfolio: Meta sets the messaging
// limit on it, shared by the numbers of all its WABAs. A WABA no portfolio
// names counts on its own.
type PortfolioConfig struct {
	// ID is the business portfolio (Business Manager) id.
	ID string `json:"id"`
	// WABAIDs are the portfolio's WhatsApp Business Accounts.
	WABAIDs []string `json:"waba_ids"`
	// Tier is the messaging-limit tier assumed until the Graph API or a
	// webhook tells the real one (TIER_250, TIER_2K, TIER_10K, TIER_100K,
	// TIER_UNLIMITED; default TIER_250).
	Tier string `json:"tier,omitempty"`
	// Limit, when positive, keeps the portfolio under this many unique
	// recipients per 24 hours even where Meta allows more. A negative or
	// absurd value is logged and ignored: Meta's limit still holds.
	Limit int `json:"limit,omitempty"`
}

// portfolioErrors reports portfolios without an id, declared twice, or
// sharing a WABA: a WABA belongs to one business portfolio.
func portfolioErrors(ps []PortfolioConfig) []error {
	var errs []error
	ids := map[string]bool{}
	owner := map[string]string{}
	for i, p := range ps {
		if p.ID == "" {
			errs = append(errs, fmt.Errorf("portfolios[%d].id is required", i))
			continue
		}
		if ids[p.ID] {
			errs = append(errs, fmt.Errorf("portfolios[%d].id %q is declared twice", i, p.ID))
		}
		ids[p.ID] = true
		for _, w := range p.WABAIDs {
			if o, ok := owner[w]; ok && o != p.ID {
				errs = append(errs, fmt.Errorf("portfolios[%d]: waba_id %q is already in portfolio %q; a WABA belongs to one business portfolio", i, w, o))
			}
			owner[w] = p.ID
		}
	}
	return errs
}
