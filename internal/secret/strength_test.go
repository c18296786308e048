package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestCheckAPIKeyStrength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key string
		wantErr   string
	}{
		{"short", "wg_secret", "at least 32"},
		{"repeated", strings.Repeat("a", 64), "guessable"},
		{"two characters", strings.Repeat("ab", 32), "guessable"},
		{"a word repeated", strings.Repeat("password", 5), "guessable"},
		{"with a space", "correct horse battery staple 1234567890", "spaces"},
		{"issued format", "wg_0123456789ab_" + base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdefghijklmn")), ""},
		{"openssl base64", "q3Xb1mZ0cR8kL2vT9wN4yH6jP5sF7gD0aE1uI3oK2lM=", ""},
	}
	for _, tc := range tests {
		err := CheckAPIKeyStrength(tc.key)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v, want accepted", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wantErr)
		case err != nil && strings.Contains(err.Error(), tc.key):
			t.Errorf("%s: the error shows the key", tc.name)
		}
	}
}

// TestRandomKeysAreStrong: what the gateway issues, and random keys in the
// forms operators are told to use, always pass.
func TestRandomKeysAreStrong(t *testing.T) {
	t.Parallel()
	for range 500 {
		k, _ := NewAPIKey()
		if err := CheckAPIKeyStrength(k); err != nil {
			t.Fatalf("issued key refused: %v", err)
		}
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		for _, s := range []string{base64.StdEncoding.EncodeToString(b), hex.EncodeToString(b), hex.EncodeToString(b[:16])} {
			if err := CheckAPIKeyStrength(s); err != nil {
				t.Fatalf("random key of %d characters refused: %v", len(s), err)
			}
		}
	}
}
