package api

import (
	"regexp"
	"slices"
	"testing"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// verbs are a text's formatting verbs, in order.
var verbs = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)

// TestMessagesHaveEveryLanguage: no text of the table lacks a language,
// and each language's version takes the same verbs in the same order, so
// that no translation prints %!d(MISSING) or swaps two values.
func TestMessagesHaveEveryLanguage(t *testing.T) {
	t.Parallel()
	if len(messages) != int(msgCount) {
		t.Errorf("the table has %d texts, the constants name %d", len(messages), msgCount)
	}
	for m := range msgCount {
		texts, ok := messages[m]
		if !ok {
			t.Errorf("text %d has no entry", m)
			continue
		}
		en := verbs.FindAllString(texts[refusal.EN], -1)
		for _, l := range refusal.Langs {
			s, ok := texts[l]
			if !ok || s == "" {
				t.Errorf("text %d (%q) has no %s", m, texts[refusal.EN], l)
				continue
			}
			if got := verbs.FindAllString(s, -1); !slices.Equal(got, en) {
				t.Errorf("text %d in %s takes %v, in en %v: %q", m, l, got, en, s)
			}
		}
		if len(texts) != len(refusal.Langs) {
			t.Errorf("text %d has %d languages, want %d", m, len(texts), len(refusal.Langs))
		}
	}
}
