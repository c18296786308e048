package optout

import "github.com/wabaguard/wabaguard/internal/config"

// FromConfig builds a tenant's matcher from its configuration; nil gives
// the defaults.
func FromConfig(c *config.OptOut) (*Matcher, error) {
	if c == nil {
		return Default(), nil
	}
	opts := Options{Languages: c.Languages, Disabled: c.DisabledDefaults}
	add := func(text string, kind Kind, scope Scope, mode Mode, lang string) {
		r := Rule{Text: text, Kind: kind, Scope: scope, Mode: mode}
		if lang != "" {
			r.Langs = []string{lang}
		}
		opts.Rules = append(opts.Rules, r)
	}
	for _, t := range c.ExtraKeywords {
		add(t, KindOptOut, ScopeAll, ModeKeyword, "")
	}
	for _, t := range c.ExtraPhrases {
		add(t, KindOptOut, ScopeAll, ModePhrase, "")
	}
	for _, t := range c.ExtraOptInKeywords {
		add(t, KindOptIn, ScopeMarketing, ModeKeyword, "")
	}
	for _, r := range c.Rules {
		kind, scope, mode := Kind(r.Kind), Scope(r.Scope), Mode(r.Match)
		if kind == "" {
			kind = KindOptOut
		}
		if scope == "" {
			scope = ScopeAll
		}
		if mode == "" {
			mode = ModeKeyword
		}
		add(r.Text, kind, scope, mode, r.Lang)
	}
	return New(opts)
}
