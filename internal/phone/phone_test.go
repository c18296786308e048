package phone

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input, region  string
		e164, waID, cc string
	}{
		// Brazil: every way clients write the same São Paulo mobile.
		{"+55 (11) 98765-4321", "", "+5511987654321", "5511987654321", "BR"},
		{"+55 11 98765 4321", "US", "+5511987654321", "5511987654321", "BR"},
		{"+5511987654321", "", "+5511987654321", "5511987654321", "BR"},
		{"5511987654321", "", "+5511987654321", "5511987654321", "BR"},
		{"005511987654321", "", "+5511987654321", "5511987654321", "BR"},
		{"(11) 98765-4321", "BR", "+5511987654321", "5511987654321", "BR"},
		{"11 98765-4321", "br", "+5511987654321", "5511987654321", "BR"},
		// Brazil without the ninth digit, as old accounts report it.
		{"551187654321", "", "+5511987654321", "5511987654321", "BR"},
		{"+55 21 8765-4321", "", "+5521987654321", "5521987654321", "BR"},
		{"+55 (85) 9912-3456", "", "+5585999123456", "5585999123456", "BR"},
		{"556199887766", "", "+5561999887766", "5561999887766", "BR"},
		// Mexico: E.164 without the 1, wa_id with it.
		{"+52 55 1234 5678", "", "+525512345678", "5215512345678", "MX"},
		{"5215512345678", "", "+525512345678", "5215512345678", "MX"},
		{"+52 1 33 1234 5678", "", "+523312345678", "5213312345678", "MX"},
		// Argentina: mobiles carry a 9 after the country code.
		{"+54 9 11 1234-5678", "", "+5491112345678", "5491112345678", "AR"},
		{"541112345678", "", "+5491112345678", "5491112345678", "AR"},
		// Elsewhere.
		{"+1 (650) 555-1234", "", "+16505551234", "16505551234", "US"},
		{"16505551234", "", "+16505551234", "16505551234", "US"},
		{"(650) 253-0000", "US", "+16502530000", "16502530000", "US"},
		{"+91 98765 43210", "", "+919876543210", "919876543210", "IN"},
		{"06 12 34 56 78", "FR", "+33612345678", "33612345678", "FR"},
		{"+33 6.12.34.56.78", "", "+33612345678", "33612345678", "FR"},
		{"+49 1512 3456789", "", "+4915123456789", "4915123456789", "DE"},
		{"+351 912 345 678", "", "+351912345678", "351912345678", "PT"},
		{"+234 803 123 4567", "", "+2348031234567", "2348031234567", "NG"},
		{"+62 812-3456-7890", "", "+6281234567890", "6281234567890", "ID"},
	}
	for _, tc := range tests {
		t.Run(tc.input, func(t *testing.T) {
			t.Parallel()
			n, err := Normalize(tc.input, tc.region)
			if err != nil {
				t.Fatalf("Normalize(%q, %q): %v", tc.input, tc.region, err)
			}
			want := Number{E164: tc.e164, WaID: tc.waID, Region: tc.cc}
			if n != want {
				t.Errorf("Normalize(%q, %q) = %+v, want %+v", tc.input, tc.region, n, want)
			}
		})
	}
}

func TestNormalizeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input, region, why string
	}{
		{"", "BR", "empty"},
		{"   ", "BR", "empty"},
		{"+", "", "no digits"},
		{"()-", "", "no digits"},
		{"hello", "BR", "contains 'h'"},
		{"+55 11 98765-4321 ext 2", "", "contains 'e'"},
		{"+55 11 9876", "", "too short"},
		{"+55119876543219", "", "too long"},
		{"12345678901234567890", "", "more than a phone number"},
		{"+999 1234 5678", "", "country code"},
		{"+55 11 3456-7890", "", "fixed-line"},
		{"+44 20 7946 0958", "", "fixed-line"},
		{"+1 800 555 0100", "", "toll-free"},
		{"+55 0800 123 4567", "", ""},
		{"12345", "", ""},
		{"98765", "BR", ""},
		{"1+5511987654321", "", "contains '+'"},
		{"-5511987654321", "", "must start with"},
		{"+-5511987654321", "", "must start with"},
		{"+55 11 98765-4321-", "", "must end with a digit"},
		{"+5511987654321\n", "", "whitespace"},
		{" +5511987654321", "", "whitespace"},
		{"+5511987654321\x00", "", "contains"},
	}
	for _, tc := range tests {
		t.Run(tc.input, func(t *testing.T) {
			t.Parallel()
			n, err := Normalize(tc.input, tc.region)
			if err == nil {
				t.Fatalf("Normalize(%q) = %+v, want an error", tc.input, n)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %q does not say %q", err, tc.why)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"551187654321", "5511987654321"},
		{"5511987654321", "5511987654321"},
		{"552187654321", "5521987654321"},
		{"559196123456", "5591996123456"},
		{"551134567890", "551134567890"},   // fixed line: subscriber starts 3
		{"551154567890", "551154567890"},   // fixed line: subscriber starts 5
		{"551087654321", "551087654321"},   // 10 is no area code
		{"525512345678", "5215512345678"},  // Mexico
		{"5215512345678", "5215512345678"}, // Mexico, already canonical
		{"541112345678", "5491112345678"},  // Argentina
		{"5491112345678", "5491112345678"}, // Argentina, already canonical
		{"16505551234", "16505551234"},
		{"447911123456", "447911123456"},
		{"", ""},
		{"US.13491208655302741918", "US.13491208655302741918"}, // BSUID
		{"+551187654321", "+551187654321"},                     // not a wa_id
	}
	for _, tc := range tests {
		if got := Canonical(tc.in); got != tc.want {
			t.Errorf("Canonical(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAliases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input string
		want  []string
	}{
		{"+55 11 98765-4321", []string{"5511987654321", "551187654321"}},
		{"551187654321", []string{"5511987654321", "551187654321"}},
		{"+52 55 1234 5678", []string{"5215512345678", "525512345678"}},
		{"+54 9 11 1234-5678", []string{"5491112345678", "541112345678"}},
		{"+1 650 555 1234", []string{"16505551234"}},
		{"+33 6 12 34 56 78", []string{"33612345678"}},
	}
	for _, tc := range tests {
		n, err := Normalize(tc.input, "")
		if err != nil {
			t.Fatalf("Normalize(%q): %v", tc.input, err)
		}
		got := n.Aliases()
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q aliases = %v, want %v", tc.input, got, tc.want)
		}
		for _, a := range got {
			if Canonical(a) != n.WaID {
				t.Errorf("Canonical(%q) = %q, want the number's wa_id %q", a, Canonical(a), n.WaID)
			}
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+55 (11) 98765-4321", "551187654321", "+52 1 55 1234 5678", "541112345678", "(650) 253-0000", "+", "00", "+999", "١٢٣"} {
		f.Add(s, "BR")
	}
	f.Fuzz(func(t *testing.T, input, region string) {
		n, err := Normalize(input, region)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if !strings.HasPrefix(n.E164, "+") || !allDigits(n.E164[1:]) || n.Region == "" {
			t.Fatalf("Normalize(%q) = %+v: malformed", input, n)
		}
		if Canonical(n.WaID) != n.WaID {
			t.Fatalf("wa_id %q is not canonical", n.WaID)
		}
		// Normalising is idempotent through either of its outputs.
		for _, again := range []string{n.E164, n.WaID} {
			m, err := Normalize(again, "")
			if err != nil || m != n {
				t.Fatalf("Normalize(%q) = %+v, %v; want %+v", again, m, err, n)
			}
		}
		aliases := n.Aliases()
		if aliases[0] != n.WaID {
			t.Fatalf("aliases %v do not start with the wa_id %q", aliases, n.WaID)
		}
		for _, a := range aliases {
			if Canonical(a) != n.WaID {
				t.Fatalf("alias %q of %q canonicalises to %q", a, n.WaID, Canonical(a))
			}
		}
	})
}

func TestRegion(t *testing.T) {
	t.Parallel()
	tests := []struct{ waID, want string }{
		{"16505551234", "US"},   // California
		{"12125550123", "US"},   // New York
		{"14165550123", "CA"},   // Toronto: +1, not the US
		{"18765550123", "JM"},   // Jamaica: +1 too
		{"5511987654321", "BR"}, // São Paulo
		{"", ""},
		{"+16505551234", ""}, // a wa_id has no "+"
		{"BR.1349120865530274", ""},
		{"999", ""},
	}
	for _, tc := range tests {
		if got := Region(tc.waID); got != tc.want {
			t.Errorf("Region(%q) = %q, want %q", tc.waID, got, tc.want)
		}
	}
}
