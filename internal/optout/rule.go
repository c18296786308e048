package optout

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is what a message asks for.
type Kind string

// Kinds of a Match.
const (
	KindNone   Kind = "none"
	KindOptOut Kind = "opt_out"
	KindOptIn  Kind = "opt_in"
)

// Scope is which messages a request covers.
type Scope string

// Scopes of a Match. ScopeAll covers every business-initiated message
// (marketing, utility and authentication templates); ScopeMarketing only
// marketing ones. A Match of KindNone has an empty Scope.
const (
	ScopeAll       Scope = "all"
	ScopeMarketing Scope = "marketing"
)

// Mode is how a rule meets a message.
type Mode string

// Modes of a rule.
const (
	// ModeKeyword: the rule is the whole message, apart from courtesy words
	// ("por favor", "obrigado", "please") and repetition ("stop stop").
	ModeKeyword Mode = "keyword"
	// ModePhrase: the rule appears anywhere inside one clause of a message
	// of at most MaxPhraseWords words.
	ModePhrase Mode = "phrase"
)

// Strength says how much a Match can be trusted on its own.
type Strength string

// Strengths of a Match, strongest first.
const (
	// StrengthKeyword: the message is a keyword.
	StrengthKeyword Strength = "keyword"
	// StrengthPhrase: a phrase inside a longer message.
	StrengthPhrase Strength = "phrase"
	// StrengthContext: a word that only means this as a reply ("não",
	// "sim"), matched because the Context said it was one.
	StrengthContext Strength = "context"
)

// Need names the context a rule needs before it may match.
type Need string

// Needs of a rule.
const (
	NeedNone Need = ""
	// NeedReplyToMarketing: the message answers a marketing message ("NO").
	NeedReplyToMarketing Need = "reply_to_marketing"
	// NeedReplyToOptInRequest: the message answers a question asking for
	// consent ("SIM", "yes").
	NeedReplyToOptInRequest Need = "reply_to_optin_request"
)

// Languages the default rules are written in.
const (
	LangPtBR = "pt-BR"
	LangES   = "es"
	LangEN   = "en"
)

// Languages lists the languages of the default rules.
var Languages = []string{LangPtBR, LangES, LangEN}

// Rule is one keyword or phrase. Texts are written as people type them; they
// are folded like messages when a Matcher is built.
type Rule struct {
	// ID names the rule in results and in DisabledDefaults. Empty: derived
	// as "<lang>/<kind>/<mode>/<folded text with _>".
	ID    string
	Text  string
	Kind  Kind
	Scope Scope
	Mode  Mode
	// Langs are the languages the rule belongs to, first the one reported.
	Langs []string
	// Ambiguous rules do not match a question ("Cancelar?").
	Ambiguous bool
	// Need is the context the rule requires.
	Need Need
	// Tail, for a phrase, requires that what follows it in its clause is
	// nothing, or (after at most three small words: "de", "essas", "the",
	// "me"…) a word for messages ("mensagens", "promoções", "texts"…) or one
	// of TailWords. "não quero receber" matches "não quero receber essas
	// mensagens" but not "não quero receber o pedido amanhã". A tail word for
	// promotions narrows the scope to marketing.
	Tail      bool
	TailWords []string
	// NotBefore and NotAfter cancel a phrase when one of these word
	// sequences follows or precedes it ("sair da lista" + "de espera";
	// "não" + "para de me mandar").
	NotBefore []string
	NotAfter  []string
}

// validate reports what is wrong with a rule.
func (r Rule) validate() error {
	var errs []error
	switch r.Kind {
	case KindOptOut, KindOptIn:
	default:
		errs = append(errs, fmt.Errorf("kind %q is not opt_out or opt_in", r.Kind))
	}
	switch r.Scope {
	case ScopeAll, ScopeMarketing:
	default:
		errs = append(errs, fmt.Errorf("scope %q is not all or marketing", r.Scope))
	}
	switch r.Mode {
	case ModeKeyword, ModePhrase:
	default:
		errs = append(errs, fmt.Errorf("match %q is not keyword or phrase", r.Mode))
	}
	switch r.Need {
	case NeedNone, NeedReplyToMarketing, NeedReplyToOptInRequest:
	default:
		errs = append(errs, fmt.Errorf("need %q is unknown", r.Need))
	}
	if Normalize(r.Text) == "" {
		errs = append(errs, fmt.Errorf("text %q has no letters or digits", r.Text))
	}
	for _, w := range r.TailWords {
		if len(keys(w)) != 1 {
			errs = append(errs, fmt.Errorf("tail word %q is not one word", w))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rule %q: %w", r.Text, err)
	}
	return nil
}

// defaultID derives a rule's id from its first language, kind, mode and text.
func (r Rule) defaultID() string {
	lang := "tenant"
	if len(r.Langs) > 0 {
		lang = r.Langs[0]
	}
	return lang + "/" + string(r.Kind) + "/" + string(r.Mode) + "/" + strings.ReplaceAll(Normalize(r.Text), " ", "_")
}
