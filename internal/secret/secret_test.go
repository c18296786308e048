package secret

import (
	"bytes"
	"path/filepath"
	"testing"
)

func TestBoxRoundTripAndTamper(t *testing.T) {
	t.Parallel()
	b, err := NewBox(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("token"), 100)} {
		c, err := b.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) >= 8 && bytes.Contains(c, plain) { // a short plaintext can occur by chance
			t.Fatalf("ciphertext contains the plaintext")
		}
		got, err := b.Open(c)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("open = %q, %v; want %q", got, err, plain)
		}
		c[len(c)-1] ^= 1
		if _, err := b.Open(c); err == nil {
			t.Fatalf("tampered ciphertext opened")
		}
	}
	other, _ := NewBox(NewKey())
	c, _ := b.Seal([]byte("secret"))
	if _, err := other.Open(c); err == nil {
		t.Fatal("opened with the wrong key")
	}
}

func TestKeyFileIsCreatedOnceAndReused(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "sub", "key")
	k1, err := LoadOrCreateKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) || len(k1) != KeySize {
		t.Fatalf("key changed between loads or has wrong size")
	}
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	k, id := NewAPIKey()
	if APIKeyID(k) != id {
		t.Fatalf("APIKeyID(%q) = %q, want %q", k, APIKeyID(k), id)
	}
	k2, _ := NewAPIKey()
	if k == k2 || bytes.Equal(HashAPIKey(k), HashAPIKey(k2)) {
		t.Fatal("keys collide")
	}
	for _, bad := range []string{"", "wg_", "nope", "wg_abc"} {
		if APIKeyID(bad) != "" {
			t.Errorf("APIKeyID(%q) should be empty", bad)
		}
	}
}
