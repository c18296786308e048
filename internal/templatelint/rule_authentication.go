package templatelint

import (
	"regexp"
	"slices"
	"strings"
)

// Meta's bounds on an authentication code's expiry, in minutes (Meta,
// authentication templates: code_expiration_minutes 1 to 90).
const (
	minCodeExpiry = 1
	maxCodeExpiry = 90
)

var otpTypes = []string{"COPY_CODE", "ONE_TAP", "ZERO_TAP"}

// urlRE finds a link in text: a scheme, www., or a bare domain of a common
// top-level domain.
var urlRE = regexp.MustCompile(`(?i)(https?://|www\.)\S+|\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|net|org|br|io|me|ly|app|co|info|link)\b(/\S*)?`)

// ruleAuthentication: an authentication template is Meta's fixed text and
// one OTP button; no header or media, no URL, no emoji, no text of its own
// in the body or footer, and a code expiry between 1 and 90 minutes (Meta's
// categorisation rule: "authentication only with OTP buttons, no
// URLs/media/emojis").
func ruleAuthentication(t *Template) []Finding {
	if t.Category != Authentication {
		return nil
	}
	var out []Finding
	for _, ft := range t.texts() {
		if m := urlRE.FindString(ft.text); m != "" {
			out = append(out, finding("authentication.url", Block, ft.field, clip(m, 60)))
		}
		if strings.IndexFunc(ft.text, isEmoji) >= 0 {
			out = append(out, finding("authentication.emoji", Block, ft.field))
		}
	}
	expiry := false
	otp := 0
	for _, c := range t.Components {
		switch c.Type {
		case "HEADER":
			out = append(out, finding("authentication.header", Block, c.Field("")))
		case "BODY":
			if c.HasText && strings.TrimSpace(c.Text) != "" {
				out = append(out, finding("authentication.body_text", Block, c.Field("text")))
			}
		case "FOOTER":
			if c.HasText && strings.TrimSpace(c.Text) != "" {
				out = append(out, finding("authentication.footer_text", Block, c.Field("text")))
			}
			if m := c.CodeExpirationMinutes; m != nil {
				expiry = true
				if *m < minCodeExpiry || *m > maxCodeExpiry {
					out = append(out, finding("authentication.code_expiry", Block, c.Field("code_expiration_minutes"), *m, minCodeExpiry, maxCodeExpiry))
				}
			}
		case "BUTTONS":
			for _, b := range c.Buttons {
				if b.Type != "OTP" {
					out = append(out, finding("authentication.button_type", Block, buttonField(c, b, "type"), b.Type))
					continue
				}
				otp++
				switch {
				case !slices.Contains(otpTypes, b.OTPType):
					out = append(out, finding("authentication.otp_type", Block, buttonField(c, b, "otp_type"), b.OTPType))
				case b.OTPType != "COPY_CODE" && b.SupportedApps == 0 && (b.PackageName == "" || b.SignatureHash == ""):
					out = append(out, finding("authentication.otp_app", Block, buttonField(c, b, "package_name"), b.OTPType))
				}
			}
		}
	}
	if otp != 1 {
		field := "components"
		if c := t.component("BUTTONS"); c != nil {
			field = c.Field("buttons")
		}
		out = append(out, finding("authentication.otp_button", Block, field))
	}
	if !expiry {
		out = append(out, finding("authentication.no_expiry", Warn, "components"))
	}
	return out
}

// isEmoji reports whether r is an emoji or pictograph (the Unicode blocks
// of emoji, dingbats and miscellaneous symbols, and the emoji variation
// selector).
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, // mahjong to symbols and pictographs extended-A
		r >= 0x2600 && r <= 0x27BF, // miscellaneous symbols, dingbats
		r >= 0x2B00 && r <= 0x2BFF, // arrows and stars (⭐)
		r == 0xFE0F, r == 0x200D, r == 0x20E3:
		return true
	}
	return false
}
