package optout

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// MaxPhraseWords is the longest message, in words, in which phrases are
// looked for. Longer texts are conversations, not requests, and a phrase
// quoted inside one says little; keywords are whole messages anyway.
const MaxPhraseWords = 50

// maxSmallWords is how many small words a Tail may skip before the noun.
const maxSmallWords = 3

// Match is what a message asks for, and why the matcher thinks so.
type Match struct {
	Kind  Kind  `json:"kind"`
	Scope Scope `json:"scope,omitempty"`
	// Phrase is the rule's text as its list writes it.
	Phrase string `json:"phrase,omitempty"`
	// Matched is the part of the message that matched, folded.
	Matched  string   `json:"matched,omitempty"`
	Language string   `json:"language,omitempty"`
	RuleID   string   `json:"rule_id,omitempty"`
	Strength Strength `json:"strength,omitempty"`
}

// None is the Match of a message that asks for nothing.
var None = Match{Kind: KindNone}

// Context is what is known about the message a text replies to. It lets the
// words that mean something only as an answer match ("NÃO" to an offer,
// "SIM" to a consent question); the zero Context matches without them.
type Context struct {
	ReplyToMarketing    bool
	ReplyToOptInRequest bool
}

// Options adapts the default rules for a tenant.
type Options struct {
	// Languages keeps only the default rules of these languages (pt-BR, es,
	// en). Empty: all of them.
	Languages []string
	// Rules are added to the defaults.
	Rules []Rule
	// Disabled removes default rules, each named by its ID or by its text
	// ("cancelar" removes every default rule whose text folds to
	// "cancelar"). A name that removes nothing is an error.
	Disabled []string
}

// Matcher classifies texts. It is immutable and safe for concurrent use.
type Matcher struct {
	keywords        map[string][]*compiled // by the words' keys joined with " "
	phrases         map[string][]*compiled // by the first word's key
	maxKeywordWords int
	rules           []*compiled
}

// compiled is a Rule ready to match.
type compiled struct {
	Rule
	lang      string
	words     []string
	tail      map[string]bool
	notBefore [][]string
	notAfter  [][]string
	order     int
}

var defaultMatcher = sync.OnceValue(func() *Matcher {
	m, err := New(Options{})
	if err != nil {
		panic("optout: default rules do not compile: " + err.Error())
	}
	return m
})

// Default returns the matcher of the default rules in all languages.
func Default() *Matcher { return defaultMatcher() }

// DefaultRules returns a copy of the built-in rules.
func DefaultRules() []Rule {
	out := make([]Rule, 0, len(defaultRules))
	for _, r := range defaultRules {
		if r.ID == "" {
			r.ID = r.defaultID()
		}
		out = append(out, r)
	}
	return out
}

// New builds a matcher from the default rules adapted by opts.
func New(opts Options) (*Matcher, error) {
	for _, l := range opts.Languages {
		if !slices.Contains(Languages, l) {
			return nil, fmt.Errorf("optout: language %q is not one of %s", l, strings.Join(Languages, ", "))
		}
	}
	// Each disabled name may be a rule id or a text, written with accents
	// or without; used records whether it removed anything.
	used := make([]bool, len(opts.Disabled))
	byName := map[string][]int{}
	for i, d := range opts.Disabled {
		byName[d] = append(byName[d], i)
		if n := Normalize(d); n != d {
			byName[n] = append(byName[n], i)
		}
	}
	disable := func(names ...string) bool {
		hit := false
		for _, n := range names {
			for _, i := range byName[n] {
				used[i], hit = true, true
			}
		}
		return hit
	}
	m := &Matcher{keywords: map[string][]*compiled{}, phrases: map[string][]*compiled{}}
	ids := map[string]bool{}
	var errs []error
	add := func(r Rule, lang string) {
		if err := r.validate(); err != nil {
			errs = append(errs, err)
			return
		}
		if r.ID == "" {
			r.ID = r.defaultID()
		}
		if ids[r.ID] {
			errs = append(errs, fmt.Errorf("rule %q: id %q is used twice", r.Text, r.ID))
			return
		}
		ids[r.ID] = true
		c := &compiled{Rule: r, lang: lang, words: keys(r.Text), tail: map[string]bool{}, order: len(m.rules)}
		for _, w := range r.TailWords {
			c.tail[strings.Join(keys(w), " ")] = true
		}
		for _, s := range r.NotBefore {
			c.notBefore = append(c.notBefore, keys(s))
		}
		for _, s := range r.NotAfter {
			c.notAfter = append(c.notAfter, keys(s))
		}
		m.rules = append(m.rules, c)
		if r.Mode == ModeKeyword {
			k := strings.Join(c.words, " ")
			m.keywords[k] = append(m.keywords[k], c)
			m.maxKeywordWords = max(m.maxKeywordWords, len(c.words))
		} else {
			m.phrases[c.words[0]] = append(m.phrases[c.words[0]], c)
		}
	}
	for _, r := range defaultRules {
		id := r.ID
		if id == "" {
			id = r.defaultID()
		}
		if disable(id, Normalize(r.Text)) {
			continue
		}
		if lang := enabledLang(r.Langs, opts.Languages); lang != "" {
			add(r, lang)
		}
	}
	for _, r := range opts.Rules {
		lang := ""
		if len(r.Langs) > 0 {
			lang = r.Langs[0]
		}
		add(r, lang)
	}
	for i, d := range opts.Disabled {
		if !used[i] {
			errs = append(errs, fmt.Errorf("disabled default %q names no default rule", d))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("optout: %w", err)
	}
	return m, nil
}

// Rules returns the rules the matcher applies, in order, each with the
// language it was kept for first in Langs (for showing a tenant's lists).
func (m *Matcher) Rules() []Rule {
	out := make([]Rule, 0, len(m.rules))
	for _, c := range m.rules {
		r := c.Rule
		if c.lang != "" {
			r.Langs = append([]string{c.lang}, slices.DeleteFunc(slices.Clone(r.Langs), func(l string) bool { return l == c.lang })...)
		}
		out = append(out, r)
	}
	return out
}

// enabledLang returns the first of langs that want keeps (all when want is
// empty), or "" when none is kept.
func enabledLang(langs, want []string) string {
	for _, l := range langs {
		if len(want) == 0 || slices.Contains(want, l) {
			return l
		}
	}
	return ""
}

// keys folds s into the keys of its words.
func keys(s string) []string {
	f := fold(s, -1)
	out := make([]string, len(f.tokens))
	for i, t := range f.tokens {
		out[i] = t.key
	}
	return out
}

// Match classifies text with no context.
func (m *Matcher) Match(text string) Match { return m.MatchContext(text, Context{}) }

// MatchContext classifies text. An opt-out beats an opt-in in the same
// message; then scope all beats marketing, a keyword beats a phrase, and
// the earlier rule wins.
func (m *Matcher) MatchContext(text string, ctx Context) Match {
	f := fold(text, MaxPhraseWords)
	ts := f.tokens
	if len(ts) == 0 || len(ts) > MaxPhraseWords {
		return None
	}
	var best Match
	var bestOrder int
	consider := func(c *compiled, scope Scope, strength Strength, span []token) {
		if c.Ambiguous && f.question {
			return
		}
		switch c.Need {
		case NeedReplyToMarketing:
			if !ctx.ReplyToMarketing {
				return
			}
			strength = StrengthContext
		case NeedReplyToOptInRequest:
			if !ctx.ReplyToOptInRequest {
				return
			}
			strength = StrengthContext
		}
		cand := Match{Kind: c.Kind, Scope: scope, Phrase: c.Text, Matched: joinText(span),
			Language: c.lang, RuleID: c.ID, Strength: strength}
		if best.Kind == "" || better(cand, c.order, best, bestOrder) {
			best, bestOrder = cand, c.order
		}
	}

	// Keywords: the whole message, courtesy words aside, possibly repeated.
	lo, hi := trimCourtesy(ts)
	if n := hi - lo; n > 0 {
		for w := 1; w <= min(m.maxKeywordWords, n); w++ {
			if n%w != 0 || !repeats(ts[lo:hi], w) {
				continue
			}
			for _, c := range m.keywords[joinKeys(ts[lo:lo+w])] {
				consider(c, c.Scope, StrengthKeyword, ts[lo:hi])
			}
		}
	}

	// A keyword may also be a whole clause of a longer message ("Ok. SAIR"),
	// then as weak as a phrase, and only if it is unambiguous.
	for a := 0; a < len(ts); {
		b := a + 1
		for b < len(ts) && !ts[b-1].stop {
			b++
		}
		if a > 0 || b < len(ts) {
			clo, chi := trimCourtesy(ts[a:b])
			for _, c := range m.keywords[joinKeys(ts[a+clo:a+chi])] {
				if !c.Ambiguous && c.Need == NeedNone {
					consider(c, c.Scope, StrengthPhrase, ts[a+clo:a+chi])
				}
			}
		}
		a = b
	}

	// Phrases: anywhere inside one clause.
	for i := range ts {
		for _, c := range m.phrases[ts[i].key] {
			end, ok := c.at(ts, i)
			if !ok {
				continue
			}
			scope, ok := c.tailOK(ts, end)
			if !ok {
				continue
			}
			consider(c, scope, StrengthPhrase, ts[i:end])
		}
	}
	if best.Kind == "" {
		return None
	}
	return best
}

// better reports whether a (from the rule of order ao) beats b.
func better(a Match, ao int, b Match, bo int) bool {
	rank := func(m Match) [3]int {
		r := [3]int{}
		if m.Kind == KindOptOut {
			r[0] = 1
		}
		if m.Scope == ScopeAll {
			r[1] = 1
		}
		switch m.Strength {
		case StrengthKeyword:
			r[2] = 2
		case StrengthPhrase:
			r[2] = 1
		}
		return r
	}
	ra, rb := rank(a), rank(b)
	if c := slices.Compare(ra[:], rb[:]); c != 0 {
		return c > 0
	}
	return ao < bo
}

// at reports whether the phrase c starts at ts[i] inside one clause, with
// none of its guards around it, and where it ends.
func (c *compiled) at(ts []token, i int) (int, bool) {
	end := i + len(c.words)
	if end > len(ts) {
		return 0, false
	}
	for k, w := range c.words {
		if ts[i+k].key != w || (k < len(c.words)-1 && ts[i+k].stop) {
			return 0, false
		}
	}
	for _, g := range c.notAfter {
		if j := i - len(g); j >= 0 && wordsAre(ts[j:i], g) && !ts[i-1].stop {
			return 0, false
		}
	}
	if !ts[end-1].stop {
		for _, g := range c.notBefore {
			if k := end + len(g); k <= len(ts) && wordsAre(ts[end:k], g) {
				return 0, false
			}
		}
	}
	return end, true
}

// tailOK applies a phrase's Tail to what follows it from ts[end], and
// returns the scope the phrase then has.
func (c *compiled) tailOK(ts []token, end int) (Scope, bool) {
	if !c.Tail || end == len(ts) || ts[end-1].stop {
		return c.Scope, true
	}
	for j, small := end, 0; j < len(ts); j++ {
		k := ts[j].key
		if messageWords[k] || c.tail[k] {
			if marketingWords[k] {
				return ScopeMarketing, true
			}
			return c.Scope, true
		}
		if !smallWords[k] || small == maxSmallWords {
			return "", false
		}
		small++
		if ts[j].stop {
			return c.Scope, true
		}
	}
	return c.Scope, true
}

// trimCourtesy returns the bounds of ts without leading and trailing
// courtesy words.
func trimCourtesy(ts []token) (lo, hi int) {
	lo, hi = 0, len(ts)
	for changed := true; changed && lo < hi; {
		changed = false
		for _, s := range courtesyLead {
			if n := len(s); hi-lo > n && wordsAre(ts[lo:lo+n], s) {
				lo += n
				changed = true
			}
		}
		for _, s := range courtesyTrail {
			if n := len(s); hi-lo > n && wordsAre(ts[hi-n:hi], s) {
				hi -= n
				changed = true
			}
		}
	}
	return lo, hi
}

// repeats reports whether ts is its first w words over and over.
func repeats(ts []token, w int) bool {
	for i := w; i < len(ts); i++ {
		if ts[i].key != ts[i%w].key {
			return false
		}
	}
	return true
}

func wordsAre(ts []token, words []string) bool {
	for i, w := range words {
		if ts[i].key != w {
			return false
		}
	}
	return true
}

func joinKeys(ts []token) string {
	if len(ts) == 1 {
		return ts[0].key
	}
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.key)
	}
	return b.String()
}

func joinText(ts []token) string {
	if len(ts) == 1 {
		return ts[0].text
	}
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}
