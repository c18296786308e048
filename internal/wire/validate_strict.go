package wire

import (
	"strings"
	"unicode"
)

// Bounds of the recipient and of template parameters. Meta documents the
// parameter text limits (60 characters in a header, 1,024 in a body beside
// other components, 32,768 in a body alone); it documents no bound on the number of components or
// parameters, so the gateway sets one far above any approved template
// (a body has at most a few dozen variables, a carousel ten cards). A
// recipient id (BSUID or group id) is at most 256 characters.
const (
	MaxRecipientID          = 256
	MaxTemplateComponents   = 30
	MaxTemplateParameters   = 100
	MaxHeaderParameterText  = 60
	MaxBodyParameterText    = 1024
	MaxOnlyBodyParameterLen = 32768
)

// validateTo checks the shape of "to" before anything is stored or sent.
// Control characters, invalid UTF-8 and surrounding whitespace are refused
// for every recipient, because the value is stored, logged and compared;
// for a group, which is sent as given, the value must be a group id. An
// individual's number is checked in depth by the recipient rule
// (phone.Normalize), which knows the numbering plans.
func validateTo(recipientType, to string) *Error {
	for _, r := range to {
		if unicode.IsControl(r) || r == unicode.ReplacementChar || r == '\u2028' || r == '\u2029' {
			return Errorf(CodeInvalidParameter, "Param to must not contain control characters, got %q.", to)
		}
	}
	if to != strings.TrimSpace(to) {
		return Errorf(CodeInvalidParameter, "Param to must not start or end with whitespace, got %q.", to)
	}
	if len(to) > MaxRecipientID {
		return Errorf(CodeInvalidParameter, "Param to must be at most %d characters long.", MaxRecipientID)
	}
	if recipientType == "group" && !isGroupID(to) {
		return Errorf(CodeInvalidParameter, "Param to must be a WhatsApp group id (letters, digits, '_' and '-') when recipient_type is group, got %q.", to)
	}
	return nil
}

// isGroupID reports whether s is shaped like a WhatsApp group id: Meta's
// are opaque alphanumeric strings; '_' and '-' are allowed inside so a
// base64url id passes, but never anything that reads as a path.
func isGroupID(s string) bool {
	if s == "" || len(s) > MaxRecipientID || !isAlnum(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// validateTemplateSize bounds the number of components and parameters and
// the length of text parameters, by the component they fill.
func validateTemplateSize(p param, t *Template) *Error {
	if len(t.Components) > MaxTemplateComponents {
		return Errorf(CodeParameterInvalid, "Param %s has %d components; a template has at most %d.", p.key("components"), len(t.Components), MaxTemplateComponents)
	}
	total := 0
	onlyBody := true
	for i := range t.Components {
		if !strings.EqualFold(t.Components[i].Type, "body") {
			onlyBody = false
		}
	}
	for i := range t.Components {
		c := &t.Components[i]
		cp := p.key("components").idx(i).key("parameters")
		total += len(c.Parameters)
		if total > MaxTemplateParameters {
			return Errorf(CodeParameterInvalid, "Param %s brings the template to %d parameters; a template has at most %d.", cp, total, MaxTemplateParameters)
		}
		limit := 0
		switch strings.ToLower(c.Type) {
		case "header":
			limit = MaxHeaderParameterText
		case "body":
			limit = MaxBodyParameterText
			if onlyBody {
				limit = MaxOnlyBodyParameterLen
			}
		}
		if limit == 0 {
			continue
		}
		for j := range c.Parameters {
			if tp := &c.Parameters[j]; strings.EqualFold(tp.Type, "text") && runes(tp.Text) > limit {
				return tooLong(cp.idx(j).key("text"), limit)
			}
		}
	}
	return nil
}
