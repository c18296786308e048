package templatelint

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// promotionalWords are wording that makes a template promotional, in
// pt-BR, es and en. Meta's categorisation rule: a UTILITY template must be
// non-promotional; mixed content is MARKETING, and a business whose UTILITY
// templates Meta keeps recategorising climbs the misuse ladder (warning,
// utility rate limit, utility restriction, portfolio restriction). Matched
// on whole words, without regard to case or accents.
var promotionalWords = []string{
	// pt-BR
	"promoção", "promoções", "promocional", "desconto", "descontos", "oferta", "ofertas",
	"imperdível", "imperdíveis", "compre", "compre já", "cupom", "cupons", "frete grátis",
	"liquidação", "queima de estoque", "black friday", "aproveite", "só hoje",
	"últimas unidades", "preço especial", "preços especiais", "leve 3 pague 2",
	// es
	"promoción", "promociones", "descuento", "descuentos", "imperdible", "imperdibles",
	"compra ya", "cupón", "cupones", "envío gratis", "liquidación", "rebaja", "rebajas",
	"aprovecha", "solo hoy", "precio especial", "precios especiales",
	// en
	"promotion", "promotions", "promo", "promo code", "discount", "discounts", "sale",
	"on sale", "offer", "offers", "deals", "coupon", "coupons", "free shipping", "buy now",
	"shop now", "limited time", "clearance", "special price", "special offer",
}

// promotionalNegatives are phrases holding a promotional word that are not
// promotion: a Brazilian receipt ("cupom fiscal"), a payroll deduction
// ("desconto em folha"), a shop's till ("point of sale").
var promotionalNegatives = []string{"cupom fiscal", "cupons fiscais", "desconto em folha", "point of sale"}

// percentOffRE is a discount written as a figure: "20% off", "30% de
// desconto", "15 % de descuento".
var percentOffRE = regexp.MustCompile(`\b\d{1,3}\s*%\s*(off|de desconto|de descuento)\b`)

var (
	promotionalRE = wordsRE(promotionalWords)
	negativesRE   = wordsRE(promotionalNegatives)
)

// fold lower-cases s and strips its accents, so "PROMOÇÃO" matches
// "promocao".
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

// wordsRE matches any of words, folded, as whole words.
func wordsRE(words []string) *regexp.Regexp {
	alts := make([]string, 0, len(words))
	for _, w := range words {
		alts = append(alts, regexp.QuoteMeta(fold(w)))
	}
	// Longer phrases first, so "promo code" wins over "promo".
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	return regexp.MustCompile(`(?:^|[^\pL\pN])(` + strings.Join(alts, "|") + `)(?:[^\pL\pN]|$)`)
}

// promotionalIn returns the promotional wording of text, folded, each once.
func promotionalIn(text string) []string {
	s := negativesRE.ReplaceAllString(fold(text), " ")
	var found []string
	add := func(w string) {
		if !slices.Contains(found, w) {
			found = append(found, w)
		}
	}
	// A match eats the separator after it; scanning from the separator
	// finds words that follow each other ("oferta imperdível").
	for i := 0; i < len(s); {
		m := promotionalRE.FindStringSubmatchIndex(s[i:])
		if m == nil {
			break
		}
		add(s[i+m[2] : i+m[3]])
		i += m[3]
	}
	for _, m := range percentOffRE.FindAllString(s, -1) {
		add(m)
	}
	return found
}

// rulePromotional: no promotional wording in a UTILITY template.
func rulePromotional(t *Template) []Finding {
	if t.Category != Utility {
		return nil
	}
	var out []Finding
	for _, ft := range t.texts() {
		words := promotionalIn(ft.text)
		if len(words) == 0 {
			continue
		}
		f := finding("promotional.utility", Block, ft.field, strings.Join(quoteAll(words), ", "))
		f.Words = words
		out = append(out, f)
	}
	return out
}

func quoteAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = `"` + w + `"`
	}
	return out
}
