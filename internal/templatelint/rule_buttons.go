package templatelint

import (
	"net/url"
	"regexp"
	"strings"
)

// Meta's button limits (Meta, message template components reference,
// buttons): up to 10 buttons in all, of which up to 10 quick replies, 2 URL
// buttons, 1 phone number and 1 copy code; quick replies grouped together,
// not interleaved with the call-to-action buttons.
const (
	maxButtons           = 10
	maxQuickReplyButtons = 10
	maxURLButtons        = 2
	maxPhoneButtons      = 1
	maxCopyCodeButtons   = 1
	// maxPhoneLength is Meta's limit on a phone number button's number.
	maxPhoneLength = 20
)

var phoneRE = regexp.MustCompile(`^\+?[0-9]{5,19}$`)

// ruleButtons: the counts per type, grouping, a text on each button that
// shows one, a valid URL with at most one variable at its end, a valid
// phone number.
func ruleButtons(t *Template) []Finding {
	c := t.component("BUTTONS")
	if c == nil {
		return nil
	}
	var out []Finding
	field := c.Field("buttons")
	if n := len(c.Buttons); n > maxButtons {
		out = append(out, finding("buttons.total", Block, field, n, maxButtons))
	}
	count := map[string]int{}
	for _, b := range c.Buttons {
		count[b.Type]++
	}
	for _, lim := range []struct {
		typ string
		max int
	}{{"QUICK_REPLY", maxQuickReplyButtons}, {"URL", maxURLButtons}, {"PHONE_NUMBER", maxPhoneButtons}, {"COPY_CODE", maxCopyCodeButtons}} {
		if n := count[lim.typ]; n > lim.max {
			out = append(out, finding("buttons.count", Block, field, n, lim.typ, lim.max))
		}
	}
	// Grouping: the buttons' kinds (quick reply or not) change at most once.
	changes := 0
	for i := 1; i < len(c.Buttons); i++ {
		if (c.Buttons[i].Type == "QUICK_REPLY") != (c.Buttons[i-1].Type == "QUICK_REPLY") {
			changes++
		}
	}
	if changes > 1 {
		out = append(out, finding("buttons.grouping", Block, field))
	}
	for _, b := range c.Buttons {
		switch b.Type {
		case "QUICK_REPLY", "URL", "PHONE_NUMBER", "FLOW", "MPM", "CATALOG", "SPM", "VOICE_CALL", "COPY_CODE":
			if t.Category != Authentication && strings.TrimSpace(b.Text) == "" && b.Type != "COPY_CODE" {
				out = append(out, finding("buttons.text_missing", Block, buttonField(*c, b, "text"), b.Type))
			}
		}
		switch b.Type {
		case "URL":
			out = append(out, urlFindings(*c, b)...)
		case "PHONE_NUMBER":
			p := strings.ReplaceAll(b.PhoneNumber, " ", "")
			if !phoneRE.MatchString(p) || len(b.PhoneNumber) > maxPhoneLength {
				out = append(out, finding("buttons.phone_invalid", Block, buttonField(*c, b, "phone_number"), clip(b.PhoneNumber, 40)))
			}
		}
	}
	return out
}

// urlFindings checks a URL button's url: absolute http(s), at most one
// variable, and that one at the very end.
func urlFindings(c Component, b Button) []Finding {
	field := buttonField(c, b, "url")
	vars, malformed := scan(b.URL)
	if len(malformed) > 0 || len(vars) > 1 || (len(vars) == 1 && vars[0].End != len(b.URL)) {
		return []Finding{finding("buttons.url_variable", Block, field)}
	}
	fixed := b.URL
	if len(vars) == 1 {
		fixed = b.URL[:vars[0].Start]
	}
	u, err := url.Parse(fixed)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return []Finding{finding("buttons.url_invalid", Block, field, clip(b.URL, 80))}
	}
	return nil
}
