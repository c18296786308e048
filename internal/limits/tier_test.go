package limits

import "testing"

func TestParseTier(t *testing.T) {
	for _, tc := range []struct {
		in    string
		tier  string
		limit int
		ok    bool
	}{
		{"TIER_250", "TIER_250", 250, true},
		{"TIER_2K", "TIER_2K", 2000, true},
		{" tier_10k ", "TIER_10K", 10000, true},
		{"TIER_100K", "TIER_100K", 100000, true},
		{"TIER_UNLIMITED", "TIER_UNLIMITED", Unlimited, true},
		{"TIER_1K", "TIER_1K", 1000, true},
		{"TIER_50", "TIER_50", 50, true},
		{"2000", "TIER_2K", 2000, true},
		{"-1", "TIER_UNLIMITED", Unlimited, true},
		{"100000", "TIER_100K", 100000, true},
		{"TIER_NOT_SET", "", 0, false},
		{"TIER_5K", "", 0, false},
		{"3000", "", 0, false},
		{"", "", 0, false},
		{"-7", "", 0, false},
	} {
		tier, limit, ok := ParseTier(tc.in)
		if tier != tc.tier || limit != tc.limit || ok != tc.ok {
			t.Errorf("ParseTier(%q) = %q, %d, %v; want %q, %d, %v", tc.in, tier, limit, ok, tc.tier, tc.limit, tc.ok)
		}
	}
	if LimitOf("TIER_WHATEVER") != 250 || LimitOf("TIER_10K") != 10000 {
		t.Error("LimitOf must fall back to SafeTier's limit")
	}
}

// FuzzParseTier: any value either parses to a known tier whose limit is
// the one the table gives, or is refused; an unknown value is never
// faster than SafeTier through LimitOf.
func FuzzParseTier(f *testing.F) {
	for _, s := range []string{"TIER_250", "TIER_2K", "2000", "-1", "TIER_NOT_SET", "", "tier_unlimited", "1e3", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tier, limit, ok := ParseTier(s)
		if !ok {
			if tier != "" || LimitOf(s) != 250 {
				t.Fatalf("refused %q but tier %q, LimitOf %d", s, tier, LimitOf(s))
			}
			return
		}
		if l, known := tiers[tier]; !known || l != limit {
			t.Fatalf("%q parsed to %q/%d, not a tier of the table", s, tier, limit)
		}
	})
}
