package phone

import "strings"

// Canonical maps any WhatsApp alias of a number, as digits without "+", to
// its canonical wa_id:
//
//   - Brazil: a 12-digit mobile ("55" + area + 8 digits starting 6–9) gets
//     the ninth digit back, "551187654321" → "5511987654321". Many accounts
//     predate the ninth digit and WhatsApp still reports them without it.
//   - Mexico: "52" + 10 digits becomes "521" + 10 digits, the form WhatsApp
//     reports for Mexican mobiles although E.164 dropped the 1 in 2019.
//   - Argentina: "54" + 10 digits becomes "549" + 10 digits, the mobile form
//     WhatsApp reports.
//
// Anything else, including ids that are not all digits (BSUIDs, groups), is
// returned unchanged.
func Canonical(waID string) string {
	if !allDigits(waID) {
		return waID
	}
	switch {
	case len(waID) == 12 && strings.HasPrefix(waID, "55") && brazilArea(waID[2:4]) && waID[4] >= '6':
		return waID[:4] + "9" + waID[4:]
	case len(waID) == 12 && strings.HasPrefix(waID, "52"):
		return "521" + waID[2:]
	case len(waID) == 12 && strings.HasPrefix(waID, "54") && waID[2] != '9':
		return "549" + waID[2:]
	}
	return waID
}

// Aliases returns every wa_id under which WhatsApp may report the number,
// canonical first: both forms for Brazilian mobiles (with and without the
// ninth digit), Mexican (521 and 52) and Argentine (549 and 54) mobiles, and
// the wa_id alone otherwise.
func (n Number) Aliases() []string {
	id := Canonical(n.WaID)
	switch {
	case len(id) == 13 && strings.HasPrefix(id, "55") && brazilArea(id[2:4]) && id[4] == '9' && id[5] >= '6':
		return []string{id, id[:4] + id[5:]}
	case len(id) == 13 && strings.HasPrefix(id, "521"):
		return []string{id, "52" + id[3:]}
	case len(id) == 13 && strings.HasPrefix(id, "549"):
		return []string{id, "54" + id[3:]}
	}
	return []string{id}
}

// brazilArea reports whether two digits are a Brazilian area code (DDD):
// 11 to 99, never ending in 0.
func brazilArea(ddd string) bool {
	return ddd[0] >= '1' && ddd[1] >= '1'
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
