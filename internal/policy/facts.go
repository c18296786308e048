package policy

import (
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/refusal"
)

// Facts is what the rules after recipient normalisation read about a
// message: loaded once per message by the intake's facts loader (from caches
// kept current by signals) and, for the send-time stage, again right before
// the send. Rules read facts; they never load or write anything themselves.
type Facts struct {
	// Loaded is false when no loader ran (a pipeline used without one):
	// rules that need facts then allow, and say so nowhere, because the
	// caller chose not to enforce them.
	Loaded bool
	// Consent is the contact's current consent per category.
	Consent ConsentFacts
	// LastInbound is when the person last wrote to this sender (zero when
	// never); the 24-hour customer service window runs from it.
	LastInbound time.Time
	// Template is what the local template cache knows of the template the
	// message sends; nil for non-template messages.
	Template *TemplateFacts
	// Lang is the language refusals are explained in.
	Lang refusal.Lang
}

// ConsentFacts is a contact's consent state: the latest record covering
// each category.
type ConsentFacts struct {
	Marketing, Utility, Authentication consent.State
}

// For returns the state of a category (marketing for anything unknown:
// when in doubt, the strictest).
func (c ConsentFacts) For(cat consent.Category) consent.State {
	switch cat {
	case consent.Utility:
		return c.Utility
	case consent.Authentication:
		return c.Authentication
	default:
		return c.Marketing
	}
}

// Erased reports whether the contact's data was erased and no opt-in came
// after.
func (c ConsentFacts) Erased() bool {
	return c.Marketing.Action == consent.Erased || c.Utility.Action == consent.Erased || c.Authentication.Action == consent.Erased
}

// OptedOutOfAll reports whether the latest word on every category is an
// opt-out (an opt-out of "all" covers them all), and when the newest of
// those opt-outs was.
func (c ConsentFacts) OptedOutOfAll() (bool, time.Time) {
	states := []consent.State{c.Marketing, c.Utility, c.Authentication}
	var latest time.Time
	for _, s := range states {
		if s.Action != consent.OptOut {
			return false, time.Time{}
		}
		if s.At.After(latest) {
			latest = s.At
		}
	}
	return true, latest
}

// TemplateStatus is what the cache says of a template.
type TemplateStatus int

// Template statuses rules act on.
const (
	// TemplateNotSynced: the cache has not synced this WABA yet, so nothing
	// can be said; rules allow and Meta decides.
	TemplateNotSynced TemplateStatus = iota
	TemplateAbsent
	TemplateApproved
	TemplatePending // in review or rejected
	TemplatePaused
	TemplateDisabled
)

// TemplateFacts is a template as the local cache holds it.
type TemplateFacts struct {
	Status TemplateStatus
	// Category is Meta's category of the template, lower case (marketing,
	// utility, authentication); "" when unknown.
	Category consent.Category
	// Problems lists how the request's parameters differ from the
	// template's (empty when they match or are not known).
	Problems []string
}

// CategoryOf returns the consent category a message needs: the template's,
// marketing when a template's category is unknown, "" for messages that are
// not templates (they need an open window instead).
func CategoryOf(m *Message) consent.Category {
	if m.Request == nil || !m.Request.IsTemplate() {
		return ""
	}
	if t := m.Facts.Template; t != nil && t.Category != "" {
		return t.Category
	}
	return consent.Marketing
}
