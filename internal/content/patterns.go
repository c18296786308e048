package content

import (
	"slices"
	"strings"
)

// The pattern layer: lexicons of scams and of the categories WhatsApp
// prohibits or restricts, one file per family (patterns_scam.go,
// patterns_prohibited.go, patterns_hate.go, patterns_collection.go,
// patterns_restricted.go). Phrases are written as
// people write them, accents and all; they are folded like the message
// (no accents, lower case, punctuation as spaces) and match whole words. A
// phrase ending in "*" matches any word that starts with it ("bloquead*").

// pattern is one detector: it fires when the text holds a phrase of every
// group of Need and none of Unless.
type pattern struct {
	Category Category
	Severity Severity
	// Need are the groups of phrases the text must hold, one of each:
	// a single group for an unambiguous lexicon, two or three where a
	// word alone ("pix", "boleto", "entrega") is everyday language and
	// only its company makes a scam.
	Need [][]string
	// Unless are phrases of the legitimate use of the same words (a bank's
	// "never share your code", a course on firearms licensing).
	Unless []string
	// Hint says how to write the message so that it passes.
	Hint Hint
}

// phrases is a group of Need, written inline in the tables.
func phrases(p ...string) []string { return p }

// needle is a phrase compiled for matching the folded text.
type needle struct {
	id    int
	shown string // as written in the table
	match string // " folded phrase " (or without the trailing space for a prefix)
}

type compiled struct {
	pattern
	need   [][]needle
	unless []needle
}

// aLink stands for "the message holds a link" in a group of Need: the
// checker adds it to the folded text of a message with a URL in it.
const aLink = "(a link)"

// linkMark is what aLink matches: no folded word can contain \x01.
const linkMark = " \x01link "

func compileNeedle(p string) needle {
	if p == aLink {
		return needle{shown: p, match: linkMark}
	}
	prefix := strings.HasSuffix(p, "*")
	f := fold(strings.TrimSuffix(p, "*"))
	if prefix {
		f = strings.TrimSuffix(f, " ")
	}
	return needle{shown: p, match: f}
}

// lexicon finds all needles of the tables in a text in one pass over its
// words: needles are indexed by their first word, so each word of the text
// costs one map lookup instead of a scan per phrase.
type lexicon struct {
	patterns []compiled
	byFirst  map[string][]needle // first folded word → needles starting with it
	prefixes []needle            // one-word prefix needles ("devolv*")
	n        int
}

func compile(ps ...[]pattern) *lexicon {
	lx := &lexicon{byFirst: map[string][]needle{}}
	ids := map[string]int{}
	add := func(w string) needle {
		n := compileNeedle(w)
		if id, ok := ids[n.match]; ok {
			n.id = id
			return n
		}
		n.id = lx.n
		ids[n.match] = n.id
		lx.n++
		words := strings.Fields(n.match)
		if len(words) == 0 {
			panic("content: empty phrase in a pattern table")
		}
		if len(words) == 1 && !strings.HasSuffix(n.match, " ") {
			lx.prefixes = append(lx.prefixes, n)
		} else {
			lx.byFirst[words[0]] = append(lx.byFirst[words[0]], n)
		}
		return n
	}
	for _, list := range ps {
		for _, p := range list {
			c := compiled{pattern: p}
			for _, g := range p.Need {
				var ns []needle
				for _, w := range g {
					ns = append(ns, add(w))
				}
				c.need = append(c.need, ns)
			}
			for _, w := range p.Unless {
				c.unless = append(c.unless, add(w))
			}
			lx.patterns = append(lx.patterns, c)
		}
	}
	return lx
}

// hits returns which needles occur in folded text.
func (lx *lexicon) hits(folded string) []bool {
	hit := make([]bool, lx.n)
	for i := 0; i < len(folded)-1; i++ {
		if folded[i] != ' ' {
			continue
		}
		end := strings.IndexByte(folded[i+1:], ' ')
		if end < 0 {
			break
		}
		word := folded[i+1 : i+1+end]
		for _, n := range lx.byFirst[word] {
			if !hit[n.id] && strings.HasPrefix(folded[i:], n.match) {
				hit[n.id] = true
			}
		}
		for _, n := range lx.prefixes {
			if !hit[n.id] && strings.HasPrefix(folded[i:], n.match) {
				hit[n.id] = true
			}
		}
	}
	return hit
}

// allPatterns are the compiled tables, in the order findings are listed.
var allPatterns = compile(scamPatterns, prohibitedPatterns, hatePatterns, collectionPatterns, restrictedPatterns)

// checkPatterns runs the pattern layer on folded text. Patterns of one
// category merge into one finding.
func checkPatterns(folded string) []Finding {
	var out []Finding
	hit := allPatterns.hits(folded)
	for i := range allPatterns.patterns {
		p := &allPatterns.patterns[i]
		words, ok := p.matches(hit)
		if !ok {
			continue
		}
		if j := slices.IndexFunc(out, func(f Finding) bool { return f.Category == p.Category }); j >= 0 {
			for _, w := range words {
				out[j].Words = appendNew(out[j].Words, w)
			}
			continue
		}
		out = append(out, Finding{Layer: LayerPattern, Category: p.Category, Severity: p.Severity, Words: words, Hint: p.Hint})
	}
	return out
}

func (p *compiled) matches(hit []bool) ([]string, bool) {
	var words []string
	for _, g := range p.need {
		found := ""
		for _, n := range g {
			if hit[n.id] {
				found = n.shown
				break
			}
		}
		if found == "" {
			return nil, false
		}
		words = append(words, found)
	}
	for _, n := range p.unless {
		if hit[n.id] {
			return nil, false
		}
	}
	return words, true
}

// Categories lists every category the checker can find, for validating
// configuration.
func Categories() []Category {
	cats := []Category{StructureCaps, StructureEmoji, StructureLinks, StructureShortener, StructureRepeated,
		StructureInvisible, StructureLinkText, ClassifierSpam, ClassifierSmishing}
	for _, p := range allPatterns.patterns {
		if !slices.Contains(cats, p.Category) {
			cats = append(cats, p.Category)
		}
	}
	return cats
}
