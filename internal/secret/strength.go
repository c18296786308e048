package secret

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Limits a configured API key must meet. Keys the gateway issues (48
// characters, 192 random bits) pass with a wide margin.
const (
	MinAPIKeyLength = 32
	// MinAPIKeyBits is the least estimated entropy of a key, in bits. The
	// estimate is low for short random keys (32 random hex digits, 128 real
	// bits, estimate above 83 in 200,000 draws), so the bar sits below them.
	MinAPIKeyBits = 72
)

// APIKeyBits estimates a key's entropy: the Shannon entropy of its
// character frequencies, times the number of its characters that do not
// merely repeat earlier text (a position starting a three-character run
// seen before adds nothing). It cannot see that a key was chosen by a
// person, but it catches what people choose most: short keys, repeated
// characters or words, few distinct characters.
func APIKeyBits(key string) float64 {
	r := []rune(key)
	return shannonBits(r) / float64(max(1, len(r))) * float64(novel(r))
}

// novel counts the positions of key not starting a trigram seen earlier.
func novel(key []rune) int {
	seen := map[[3]rune]bool{}
	n := 0
	for i := range key {
		if i+3 > len(key) {
			n++
			continue
		}
		g := [3]rune{key[i], key[i+1], key[i+2]}
		if !seen[g] {
			n++
			seen[g] = true
		}
	}
	return n
}

func shannonBits(key []rune) float64 {
	counts := map[rune]int{}
	n := len(key)
	for _, r := range key {
		counts[r]++
	}
	if n == 0 {
		return 0
	}
	var perChar float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		perChar -= p * math.Log2(p)
	}
	return perChar * float64(n)
}

// CheckAPIKeyStrength refuses a key too short or too predictable to stand
// against guessing. The error never contains the key.
func CheckAPIKeyStrength(key string) error {
	if n := utf8.RuneCountInString(key); n < MinAPIKeyLength {
		return fmt.Errorf("is %d characters, want at least %d (issue one with `wabaguard keys create`, or use `openssl rand -base64 32`)", n, MinAPIKeyLength)
	}
	for _, r := range key {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("contains spaces or control characters")
		}
	}
	if bits := APIKeyBits(key); bits < MinAPIKeyBits {
		return fmt.Errorf("looks guessable: about %.0f bits of entropy, want at least %d (too few distinct characters; use `openssl rand -base64 32`)", bits, MinAPIKeyBits)
	}
	return nil
}
