package policy

import (
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/content"
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
	// Content is what the content checker found in the text the person
	// will see; nil when no checker ran.
	Content *content.Result
	// Lang is the language refusals are explained in.
	Lang refusal.Lang
	// Recent is what the tenant sent this contact lately that the cadence
	// rules count (frequency caps, the repeat guard): accepted messages
	// within the longest window the tenant configures, oldest first. Nil
	// when the tenant counts nothing.
	Recent []Sent
	// MarketingLimitedAt is when Meta last failed a marketing template to
	// this person with 131049 (the per-user marketing limit) within the
	// loader's lookback; zero when it did not, or when the message is no
	// marketing template (the loader reads it only for those).
	MarketingLimitedAt time.Time
	// Quota is the portfolio's messaging limit, loaded for templates sent
	// outside an open window; nil otherwise.
	Quota *QuotaFacts
	// Brake is the risk engine's hold on the sender; nil when nothing
	// holds it back (or no engine runs).
	Brake *BrakeFacts
}

// BrakeFacts is the risk engine's brake on a sender, as the rules read it.
type BrakeFacts struct {
	// Level is "pause_marketing", "pause_business" or "stop" (lower
	// levels only slow the dispatcher and never reach the rules).
	Level  string
	Reason string
	// Until is when Meta's restriction behind the brake expires (zero:
	// until someone resumes the sender).
	Until time.Time
}

// Sent is one message accepted for a contact, as the cadence rules see it.
type Sent struct {
	Category consent.Category
	// ContentHash is ContentHash of the message ("" when not a template).
	ContentHash string
	At          time.Time
}

// ConsentFacts is a contact's consent state: the latest record covering
// each category.
type ConsentFacts = consent.Current

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
	// Body is the template's body text with its {{1}} or {{name}}
	// placeholders, "" when not known: the content checker fills the
	// request's parameters in to read what the person will read.
	Body string
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

// QuotaFacts is the business portfolio's messaging limit as it stands for
// one message: the portfolio's limit and use in the moving 24 hours, and
// whether the recipient already counts in them. Nil when no quota is kept.
type QuotaFacts struct {
	Portfolio string
	Tier      string
	// Limit is the number of unique recipients allowed; negative is
	// unlimited.
	Limit int
	Used  int
	// NextRelease is when the oldest counted recipient leaves the window.
	NextRelease time.Time
	// Counted: the recipient already counts, so reaching them again takes
	// no slot.
	Counted bool
	// WarmupFull: the sending number is warming up and its allowance of
	// the moving 24 hours is used; WarmupUntil is when it frees.
	WarmupFull  bool
	WarmupUntil time.Time
}
