package sim

import (
	"math"
	"strings"
	"unicode"
)

// promoWords are words people associate with unsolicited promotion, in the
// three languages the simulator's recipients speak. Matching is on the
// lower-cased text, so accents matter ("grátis" and "gratis" are both listed).
var promoWords = []string{
	// Portuguese
	"grátis", "gratis", "promoção", "promocao", "oferta", "desconto", "imperdível", "imperdivel",
	"ganhe", "prêmio", "premio", "sorteio", "clique", "aproveite", "últimas unidades", "só hoje",
	"urgente", "dinheiro", "renda extra", "compre já",
	// English
	"free", "offer", "discount", "win ", "winner", "prize", "click", "limited time", "act now",
	"urgent", "cash", "deal", "buy now",
	// Spanish
	"descuento", "gana ", "haz clic", "dinero", "compra ya",
}

// linkMarkers find links; shorteners hide where a link goes and weigh more.
var (
	linkMarkers      = []string{"http://", "https://", "www."}
	shortenerMarkers = []string{"bit.ly", "tinyurl", "goo.gl", "t.co/", "cutt.ly", "encurtador"}
)

// Spamminess scores how spammy a message text looks to the person who gets
// it, from 0 (plain, personal) to 1 (shouted, link-laden promotion). It is
// the simulator's own heuristic, independent of any checker of the gateway:
// the simulator plays Meta and the recipients, and people judge the text they
// see. Each feature adds evidence; the sum s maps to 1 − e^(−s):
//
//   - capitals: letters in upper case beyond 30 % of all letters (texts of at
//     least 10 letters), up to 1.5;
//   - exclamation marks after the first, 0.15 each, up to 0.75;
//   - links, 0.35 each (up to 3), plus 0.3 per URL shortener;
//   - promotional words (pt, en, es), 0.25 per distinct word, up to 1.5;
//   - money and percentages ("R$", "$", "€", "%"), 0.2;
//   - emoji and pictographs, 0.05 each, up to 0.5.
func Spamminess(text string) float64 {
	if text == "" {
		return 0
	}
	lower := strings.ToLower(text)
	var sum float64

	letters, upper, bangs, emoji := 0, 0, 0, 0
	for _, r := range text {
		switch {
		case unicode.IsLetter(r):
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		case r == '!':
			bangs++
		case r >= 0x1F300 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF:
			emoji++
		}
	}
	if letters >= 10 {
		if ratio := float64(upper) / float64(letters); ratio > 0.3 {
			sum += (ratio - 0.3) / 0.7 * 1.5
		}
	}
	if bangs > 1 {
		sum += math.Min(float64(bangs-1)*0.15, 0.75)
	}
	links := 0
	for _, m := range linkMarkers {
		links += strings.Count(lower, m)
	}
	sum += float64(min(links, 3)) * 0.35
	for _, m := range shortenerMarkers {
		if strings.Contains(lower, m) {
			sum += 0.3
		}
	}
	words := 0
	for _, w := range promoWords {
		if strings.Contains(lower, w) {
			words++
		}
	}
	sum += math.Min(float64(words)*0.25, 1.5)
	if strings.Contains(text, "R$") || strings.Contains(text, "$") || strings.Contains(text, "€") || strings.Contains(text, "%") {
		sum += 0.2
	}
	sum += math.Min(float64(emoji)*0.05, 0.5)
	return 1 - math.Exp(-sum)
}
