package content

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The structure layer: how a message looks, whatever it says. Shouting,
// walls of emoji, many links and shortened links are what people report as
// spam; invisible characters and links whose text names another site are
// how phishing hides.

// Structure categories.
const (
	StructureCaps      Category = "structure.caps"
	StructureEmoji     Category = "structure.emoji"
	StructureLinks     Category = "structure.links"
	StructureShortener Category = "structure.shortener"
	StructureRepeated  Category = "structure.repeated"
	StructureInvisible Category = "structure.invisible"
	StructureLinkText  Category = "structure.link_text"
)

// Thresholds of the structure layer.
const (
	// capsMinLetters: shorter texts ("OK", "SIM", a code) are not
	// shouting.
	capsMinLetters = 20
	capsRatio      = 0.7
	emojiMax       = 10 // more than this many is a wall
	emojiDensity   = 0.15
	emojiDenseMin  = 5 // density counts from this many
	linksMax       = 3
	repeatedMin    = 5 // the same letter or mark this many times in a row
)

// shorteners hide where a link goes; phishing in Brazil uses them in almost
// every message. A business's own short domain is fine: Meta's previews and
// people both see it.
var shorteners = []string{
	"bit.ly", "bitly.com", "tinyurl.com", "cutt.ly", "is.gd", "t.co", "t.ly", "rb.gy", "shorturl.at",
	"tiny.cc", "ow.ly", "goo.gl", "s.id", "v.gd", "rebrand.ly", "shorte.st", "adf.ly", "bl.ink",
	"encurtador.com.br", "abre.ai", "encr.pw", "l1nk.dev", "x.gd", "lnkd.in", "buff.ly", "qrco.de",
	"short.io", "u.to", "clck.ru", "tr.ee", "linktr.ee", "wa.link", "urlz.fr", "surl.li",
}

// tlds are the endings a bare domain ("acme.com.br", "bit.ly/x") is
// recognised by; a link with a scheme or "www." needs none.
var tlds = map[string]bool{}

func init() {
	for _, t := range strings.Fields("com net org br ly io me co gl gd at cc id to ee xyz top site online link app shop " +
		"club info live dev pw ru fr in de es mx ar cl pe uy py bo ve ec us uk biz store tech click vip") {
		tlds[t] = true
	}
}

// findURLs returns the links of a text: words starting with http:// or
// https:// or www., and bare domains with a known ending. A hand-written
// scan: a regular expression for this costs more than all the other
// checks together.
func findURLs(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("<>\"'()[]{}|", r)
	}) {
		if !strings.Contains(w, ".") {
			continue
		}
		w = strings.TrimRight(w, ".,;:!?*")
		w = strings.TrimLeft(w, "*_~")
		if len(w) < 4 || !strings.Contains(w, ".") {
			continue
		}
		lw := strings.ToLower(w)
		if strings.HasPrefix(lw, "http://") || strings.HasPrefix(lw, "https://") || strings.HasPrefix(lw, "www.") {
			out = append(out, w)
			continue
		}
		host, _, _ := strings.Cut(lw, "/")
		if isDomain(host) {
			out = append(out, w)
		}
	}
	return out
}

// isDomain reports whether s is a host name with a known ending.
func isDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 || !tlds[labels[len(labels)-1]] {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' && i > 0) {
				return false
			}
		}
	}
	return true
}

// markdownLink is "[shown](url)": WhatsApp shows it as written, so the
// shown words are all a reader checks.
var markdownLink = regexp.MustCompile(`\[([^\]]{1,200})\]\((https?://[^)\s]+)\)`)

// checkStructure runs the structure layer on a message's display text.
func checkStructure(display string, urls []string, invisible int, links []Link) []Finding {
	var out []Finding
	letters, upper, emoji, runes := 0, 0, 0, 0
	var run rune
	runLen, longest := 0, 0
	var longestRune rune
	for _, r := range display {
		runes++
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
		if isEmoji(r) {
			emoji++
		}
		if r == run {
			runLen++
		} else {
			run, runLen = r, 1
		}
		if runLen > longest && repeatable(r) {
			longest, longestRune = runLen, r
		}
	}
	if letters >= capsMinLetters && float64(upper) >= capsRatio*float64(letters) {
		out = append(out, Finding{Layer: LayerStructure, Category: StructureCaps, Severity: Low,
			Words: []string{fmt.Sprintf("%d%% capitals", upper*100/letters)},
			Hint:  hintCaps})
	}
	if emoji > emojiMax || (emoji >= emojiDenseMin && float64(emoji) > emojiDensity*float64(runes)) {
		out = append(out, Finding{Layer: LayerStructure, Category: StructureEmoji, Severity: Low,
			Words: []string{fmt.Sprintf("%d emoji in %d characters", emoji, runes)},
			Hint:  hintEmoji})
	}
	if longest >= repeatedMin {
		out = append(out, Finding{Layer: LayerStructure, Category: StructureRepeated, Severity: Low,
			Words: []string{strings.Repeat(string(longestRune), min(longest, 10))},
			Hint:  hintRepeated})
	}
	if invisible > 0 {
		out = append(out, Finding{Layer: LayerStructure, Category: StructureInvisible, Severity: Medium,
			Words: []string{fmt.Sprintf("%d invisible characters", invisible)},
			Hint:  hintInvisible})
	}

	var hosts, short []string
	for _, u := range urls {
		h := hostOf(u)
		if h == "" {
			continue
		}
		hosts = appendNew(hosts, h)
		if isShortener(h) {
			short = appendNew(short, h)
		}
	}
	for _, l := range links {
		if h := hostOf(l.URL); h != "" {
			hosts = appendNew(hosts, h)
			if isShortener(h) {
				short = appendNew(short, h)
			}
		}
	}
	if len(urls)+len(links) > linksMax {
		out = append(out, Finding{Layer: LayerStructure, Category: StructureLinks, Severity: Low, Words: hosts,
			Hint: hintLinks(linksMax)})
	}
	if len(short) > 0 {
		out = append(out, Finding{Layer: LayerStructure, Category: StructureShortener, Severity: Medium, Words: short,
			Hint: hintShortener})
	}

	shown := append([]Link(nil), links...)
	if strings.Contains(display, "](") {
		for _, m := range markdownLink.FindAllStringSubmatch(display, -1) {
			shown = append(shown, Link{Shown: m[1], URL: m[2]})
		}
	}
	var mismatch []string
	for _, l := range shown {
		target := siteOf(hostOf(l.URL))
		for _, s := range findURLs(l.Shown) {
			if sh := siteOf(hostOf(s)); sh != "" && target != "" && sh != target {
				mismatch = appendNew(mismatch, fmt.Sprintf("shows %s, goes to %s", sh, target))
			}
		}
	}
	if len(mismatch) > 0 {
		out = append(out, Finding{Layer: LayerStructure, Category: StructureLinkText, Severity: High, Words: mismatch,
			Hint: hintLinkText})
	}
	return out
}

// repeatable reports whether a run of r counts as repeated characters:
// letters, ! and ?, and emoji. Digits (bar codes, amounts), spaces and
// separators ("-----", "=====") are layout.
func repeatable(r rune) bool {
	return unicode.IsLetter(r) || r == '!' || r == '?' || isEmoji(r)
}

// hostOf returns the lower-case host of a URL or bare domain, "" when none.
func hostOf(s string) string {
	s = strings.TrimRight(s, ".,;:!?")
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	if !utf8.ValidString(h) || !strings.Contains(h, ".") {
		return ""
	}
	return strings.TrimPrefix(h, "www.")
}

func isShortener(host string) bool {
	for _, s := range shorteners {
		if host == s || strings.HasSuffix(host, "."+s) {
			return true
		}
	}
	return false
}

// siteOf returns the registrable part of a host: "itau.com.br" of
// "www.itau.com.br", "example.com" of "a.b.example.com".
func siteOf(host string) string {
	labels := strings.Split(host, ".")
	n := len(labels)
	if n < 2 {
		return host
	}
	keep := 2
	if n >= 3 && len(labels[n-1]) == 2 {
		switch labels[n-2] {
		case "com", "net", "org", "gov", "edu", "co", "ac", "gob", "art", "blog", "app":
			keep = 3
		}
	}
	return strings.Join(labels[n-keep:], ".")
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
