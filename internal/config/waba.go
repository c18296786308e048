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
