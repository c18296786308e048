package config

import (
	"errors"
	"fmt"
)

// OptOut adapts a tenant's opt-out and opt-in keyword lists. The defaults
// are described in docs/opt-out-keywords.md; package optout compiles them.
type OptOut struct {
	// Languages keeps only the default rules of these languages (pt-BR, es,
	// en). Empty: all three.
	Languages []string `json:"languages,omitempty"`
	// ExtraKeywords are whole-message opt-outs of everything.
	ExtraKeywords []string `json:"extra_keywords,omitempty"`
	// ExtraPhrases are opt-outs of everything found anywhere in a message.
	ExtraPhrases []string `json:"extra_phrases,omitempty"`
	// ExtraOptInKeywords are whole-message opt-ins to marketing.
	ExtraOptInKeywords []string `json:"extra_optin_keywords,omitempty"`
	// Rules are extra rules with every detail chosen.
	Rules []OptOutRule `json:"rules,omitempty"`
	// DisabledDefaults removes default rules by id or by text.
	DisabledDefaults []string `json:"disabled_defaults,omitempty"`
	// Confirm sends the person one text confirming an opt-out made on
	// WhatsApp (a keyword or a button), inside the window their message
	// opened. Off by default.
	Confirm bool `json:"confirm,omitempty"`
	// ConfirmText replaces the default confirmation, by language of the
	// words the person used (pt-BR, es, en); "" keeps the default.
	ConfirmText map[string]string `json:"confirm_text,omitempty"`
}

// OptOutRule is one extra keyword or phrase.
type OptOutRule struct {
	Text  string `json:"text"`
	Kind  string `json:"kind"`  // opt_out (default) or opt_in
	Scope string `json:"scope"` // all (default) or marketing
	Match string `json:"match"` // keyword (default) or phrase
	Lang  string `json:"lang,omitempty"`
}

// validate checks what can be checked without compiling the lists.
func (o *OptOut) validate() error {
	if o == nil {
		return nil
	}
	var errs []error
	for i, r := range o.Rules {
		if r.Text == "" {
			errs = append(errs, fmt.Errorf("rules[%d].text is required", i))
		}
		if r.Kind != "" && r.Kind != "opt_out" && r.Kind != "opt_in" {
			errs = append(errs, fmt.Errorf("rules[%d].kind %q is not opt_out or opt_in", i, r.Kind))
		}
		if r.Scope != "" && r.Scope != "all" && r.Scope != "marketing" {
			errs = append(errs, fmt.Errorf("rules[%d].scope %q is not all or marketing", i, r.Scope))
		}
		if r.Match != "" && r.Match != "keyword" && r.Match != "phrase" {
			errs = append(errs, fmt.Errorf("rules[%d].match %q is not keyword or phrase", i, r.Match))
		}
	}
	return errors.Join(errs...)
}
