package templatelint

import (
	"slices"
)

// Categories of templates.
const (
	Marketing      = "MARKETING"
	Utility        = "UTILITY"
	Authentication = "AUTHENTICATION"
)

// ruleComponents: a known category; one component of each type; a BODY,
// with text outside authentication templates; the authentication-only
// fields only in authentication templates.
func ruleComponents(t *Template) []Finding {
	var out []Finding
	if !slices.Contains([]string{Marketing, Utility, Authentication}, t.Category) {
		out = append(out, finding("category.unknown", Block, "category", clip(t.Category, 40)))
	}
	seen := map[string]bool{}
	for _, c := range t.Components {
		if seen[c.Type] {
			out = append(out, finding("components.duplicate", Block, c.Field("type"), c.Type))
		}
		seen[c.Type] = true
		switch c.Type {
		case "CAROUSEL", "LIMITED_TIME_OFFER":
			out = append(out, finding("components.unchecked", Warn, c.Field(""), c.Type))
		}
		if t.Category == Authentication {
			continue
		}
		if c.AddSecurityRecommendation != nil {
			out = append(out, finding("category.auth_only", Block, c.Field("add_security_recommendation"), "add_security_recommendation"))
		}
		if c.CodeExpirationMinutes != nil {
			out = append(out, finding("category.auth_only", Block, c.Field("code_expiration_minutes"), "code_expiration_minutes"))
		}
		for _, b := range c.Buttons {
			if b.Type == "OTP" {
				out = append(out, finding("category.auth_only", Block, buttonField(c, b, "type"), "OTP"))
			}
		}
	}
	body := t.component("BODY")
	switch {
	case body == nil && !seen["CAROUSEL"]:
		out = append(out, finding("components.body_missing", Block, "components"))
	case body != nil && t.Category != Authentication && body.Text == "":
		out = append(out, finding("components.body_text", Block, body.Field("text")))
	}
	return out
}
