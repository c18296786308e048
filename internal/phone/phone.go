// Package phone normalises recipients' phone numbers to E.164 and to the
// wa_id form WhatsApp uses, and maps the aliases under which the same
// WhatsApp account can appear (Brazil's ninth digit, Mexico's 521, and
// Argentina's 549), so consent and opt-outs are keyed on one number.
package phone

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalid is wrapped by every error Normalize returns.
var ErrInvalid = errors.New("invalid phone number")

// Number is a normalised phone number.
type Number struct {
	// E164 is the number in E.164, "+5511987654321".
	E164 string
	// WaID is the canonical WhatsApp id: E.164 digits without "+", in the
	// form Canonical returns (Brazil's ninth digit restored, Mexico's and
	// Argentina's mobile 1 and 9 present).
	WaID string
	// Region is the ISO 3166-1 alpha-2 region, "BR".
	Region string
}

// Normalize parses a recipient as a client sends it to the send API.
//
// Spaces, dashes, dots and parentheses are ignored. The rule for the country
// code, which Meta leaves vague ("without + the business number's country
// code is prepended", yet bare wa_ids like "5511987654321" work):
//
//   - with a leading "+" (or "00"), the digits include the country code;
//   - without one, the digits are first read as including the country code,
//     as wa_ids do, and used so if that is a valid number;
//   - otherwise they are read as a national number of defaultRegion.
//
// Before validation the known WhatsApp aliases are canonicalised, so a
// Brazilian mobile written without its ninth digit is accepted and
// returned with it. Numbers that cannot receive WhatsApp messages (fixed
// lines where the numbering plan tells them apart, toll-free, premium rate,
// shared cost, pagers, voicemail) are refused.
func Normalize(input, defaultRegion string) (Number, error) {
	k := memoKey{input, defaultRegion}
	if r, ok := memo.get(k); ok {
		return r.n, r.err
	}
	n, err := normalize(input, defaultRegion)
	memo.put(k, memoResult{n, err})
	return n, err
}

func normalize(input, defaultRegion string) (Number, error) {
	digits, international, err := clean(input)
	if err != nil {
		return Number{}, err
	}
	var num *phonenumbers.PhoneNumber
	if international {
		num, err = parseInternational(digits)
		if err != nil {
			return Number{}, err
		}
	} else {
		// A bare wa_id is the common case from API clients; a national
		// number is the fallback.
		num, err = parseInternational(digits)
		if err != nil || !phonenumbers.IsValidNumber(num) {
			if defaultRegion == "" {
				if err != nil {
					return Number{}, err
				}
				return Number{}, invalidReason(num, input)
			}
			num, err = phonenumbers.Parse(digits, strings.ToUpper(defaultRegion))
			if err != nil {
				return Number{}, fmt.Errorf("%w: %q is neither an international number nor a %s national one: %w", ErrInvalid, input, strings.ToUpper(defaultRegion), err)
			}
		}
	}
	if !phonenumbers.IsValidNumber(num) {
		return Number{}, invalidReason(num, input)
	}
	switch t := phonenumbers.GetNumberType(num); t {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE, phonenumbers.PERSONAL_NUMBER, phonenumbers.VOIP:
	default:
		return Number{}, fmt.Errorf("%w: %q is a %s number, which cannot receive WhatsApp messages", ErrInvalid, input, typeName(t))
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	return Number{
		E164:   e164,
		WaID:   Canonical(strings.TrimPrefix(e164, "+")),
		Region: phonenumbers.GetRegionCodeForNumber(num),
	}, nil
}

// clean strips the formatting characters Meta accepts and reports whether
// the number was written with an international prefix. Formatting is
// accepted only between digits: a number that starts with a dash or ends
// with a newline is not a number a person wrote but a value that went
// wrong somewhere, and it is refused rather than repaired.
func clean(input string) (digits string, international bool, err error) {
	if strings.TrimSpace(input) == "" {
		return "", false, fmt.Errorf("%w: the number is empty", ErrInvalid)
	}
	if input != strings.TrimSpace(input) {
		return "", false, fmt.Errorf("%w: %q starts or ends with whitespace", ErrInvalid, input)
	}
	s := input
	if strings.HasPrefix(s, "+") {
		international = true
		s = s[1:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false, fmt.Errorf("%w: %q contains %q; a phone number has only digits, an optional leading +, spaces, dashes, dots and parentheses", ErrInvalid, input, r)
		}
	}
	digits = b.String()
	if !international && strings.HasPrefix(digits, "00") {
		international, digits = true, digits[2:]
	}
	switch {
	case digits == "":
		return "", false, fmt.Errorf("%w: %q has no digits", ErrInvalid, input)
	case !(s[0] >= '0' && s[0] <= '9' || s[0] == '('):
		return "", false, fmt.Errorf("%w: %q must start with +, a digit or (", ErrInvalid, input)
	case !(s[len(s)-1] >= '0' && s[len(s)-1] <= '9'):
		return "", false, fmt.Errorf("%w: %q must end with a digit", ErrInvalid, input)
	case len(digits) > 17:
		// E.164 allows 15 digits; anything much longer is not a number and
		// is refused before the parser spends time on it.
		return "", false, fmt.Errorf("%w: %q has %d digits, more than a phone number can have", ErrInvalid, input, len(digits))
	}
	return digits, international, nil
}

// parseInternational parses digits that include the country code, with
// WhatsApp's aliases canonicalised first.
func parseInternational(digits string) (*phonenumbers.PhoneNumber, error) {
	d := Canonical(digits)
	if len(d) == 13 && strings.HasPrefix(d, "521") {
		// Mexico's numbering plan dropped the mobile 1 that WhatsApp keeps;
		// E.164, and so the parser, want it gone.
		d = "52" + d[3:]
	}
	num, err := phonenumbers.Parse("+"+d, "ZZ")
	if err != nil {
		return nil, fmt.Errorf("%w: +%s: %w", ErrInvalid, digits, err)
	}
	return num, nil
}

// invalidReason explains why a parsed number is not valid.
func invalidReason(num *phonenumbers.PhoneNumber, input string) error {
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return fmt.Errorf("%w: %q does not start with a known country code", ErrInvalid, input)
	case phonenumbers.TOO_SHORT:
		return fmt.Errorf("%w: %q is too short for a number of country code %d", ErrInvalid, input, num.GetCountryCode())
	case phonenumbers.TOO_LONG:
		return fmt.Errorf("%w: %q is too long for a number of country code %d", ErrInvalid, input, num.GetCountryCode())
	case phonenumbers.INVALID_LENGTH:
		return fmt.Errorf("%w: %q has a length no number of country code %d has", ErrInvalid, input, num.GetCountryCode())
	}
	return fmt.Errorf("%w: %q is not an assigned number range of country code %d", ErrInvalid, input, num.GetCountryCode())
}

func typeName(t phonenumbers.PhoneNumberType) string {
	switch t {
	case phonenumbers.FIXED_LINE:
		return "fixed-line"
	case phonenumbers.TOLL_FREE:
		return "toll-free"
	case phonenumbers.PREMIUM_RATE:
		return "premium-rate"
	case phonenumbers.SHARED_COST:
		return "shared-cost"
	case phonenumbers.PAGER:
		return "pager"
	case phonenumbers.UAN:
		return "universal access"
	case phonenumbers.VOICEMAIL:
		return "voicemail"
	}
	return "non-mobile"
}

// Region returns the ISO 3166-1 alpha-2 region of a wa_id (E.164 digits
// without "+"), "" when the digits are no number of a known region. For
// the shared +1 plan it tells the United States ("US") from Canada and the
// Caribbean by the area code.
func Region(waID string) string {
	if waID == "" || !allDigits(waID) {
		return ""
	}
	num, err := phonenumbers.Parse("+"+waID, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(num)
}
