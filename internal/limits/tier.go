// Package limits knows Meta's messaging limits: the tiers a business
// portfolio can be at, how many unique recipients of business-initiated
// messages each allows in a moving 24 hours, the portfolio quota that all
// of a portfolio's numbers share (counted in the store, exact across
// replicas), and the forecast of when a send of a given size finishes.
package limits

import (
	"strconv"
	"strings"
)

// Unlimited is the limit of TIER_UNLIMITED.
const Unlimited = -1

// SafeTier is the tier assumed when Meta's value is missing or unknown: the
// lowest step of the ladder since October 2025, so that a value the gateway
// cannot read makes it slower, never faster.
const SafeTier = "TIER_250"

// tiers maps Meta's tier names, current and older, to their limits.
var tiers = map[string]int{
	"TIER_50":        50,
	"TIER_250":       250,
	"TIER_1K":        1_000,
	"TIER_2K":        2_000,
	"TIER_10K":       10_000,
	"TIER_100K":      100_000,
	"TIER_UNLIMITED": Unlimited,
}

// ParseTier reads a messaging-limit value as Meta sends it: a tier name
// (whatsapp_business_manager_messaging_limit, messaging_limit_tier,
// current_limit), or a number as in business_capability_update
// (max_daily_conversations_per_business: 2000; -1 for unlimited). It
// returns the canonical tier name and its limit; ok is false for anything
// else (TIER_NOT_SET included), and the caller keeps SafeTier.
func ParseTier(v string) (tier string, limit int, ok bool) {
	v = strings.ToUpper(strings.TrimSpace(v))
	if l, known := tiers[v]; known {
		return v, l, true
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return "", 0, false
	}
	for name, l := range tiers {
		if l == n {
			return name, l, true
		}
	}
	return "", 0, false
}

// LimitOf returns the limit of a tier value, SafeTier's when it is not
// known.
func LimitOf(v string) int {
	if _, l, ok := ParseTier(v); ok {
		return l
	}
	return tiers[SafeTier]
}
