package phone

import "regexp"

// bsuidRE matches a business-scoped user id ("BR.1349120865530274"): Meta's
// id for a user with a username, which may replace the phone number in
// webhooks (user_id, with wa_id empty) and in sends (to).
var bsuidRE = regexp.MustCompile(`^[A-Z]{2}\.[0-9]{1,32}$`)

// IsBSUID reports whether s is a business-scoped user id.
func IsBSUID(s string) bool { return bsuidRE.MatchString(s) }
