package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestKeyringOpensWithEveryKeySealsWithPrimary(t *testing.T) {
	t.Parallel()
	oldKey, newKey := NewKey(), NewKey()
	oldBox, _ := NewBox(oldKey)
	newBox, _ := NewBox(newKey)
	ring, err := NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	underOld, _ := oldBox.Seal([]byte("old"))
	if p, err := ring.Open(underOld); err != nil || string(p) != "old" {
		t.Fatalf("ring.Open(sealed under previous key) = %q, %v", p, err)
	}
	sealed, err := ring.Seal([]byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := newBox.Open(sealed); err != nil || string(p) != "new" {
		t.Fatalf("primary cannot open what the ring sealed: %q, %v", p, err)
	}
	if _, err := oldBox.Open(sealed); err == nil {
		t.Fatal("the previous key opens what the ring sealed; want the primary only")
	}
	stranger, _ := NewBox(NewKey())
	foreign, _ := stranger.Seal([]byte("x"))
	if _, err := ring.Open(foreign); err == nil {
		t.Fatal("ring opened a value sealed under a key it does not hold")
	}
	if _, err := NewKeyring(newKey, []byte("short")); err == nil {
		t.Fatal("NewKeyring accepted a malformed previous key")
	}
}

func TestReadKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "k")
	k, err := WriteNewKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("new key file mode %04o, want 0600", fi.Mode().Perm())
	}
	if _, err := WriteNewKeyFile(path); err == nil {
		t.Fatal("WriteNewKeyFile overwrote an existing key")
	}
	got, err := ReadKeyFile(path)
	if err != nil || string(got) != string(k) {
		t.Fatalf("ReadKeyFile = %x, %v; want %x", got, err, k)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadKeyFile(path); !errors.Is(err, ErrKeyFileMode) {
			t.Errorf("mode %04o: err = %v, want ErrKeyFileMode", mode, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKeyFile(path); err != nil {
		t.Errorf("mode 0400 refused: %v", err)
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing key file accepted")
	}
}

func TestDeriveKeySeparatesPurposes(t *testing.T) {
	k := NewKey()
	a, b := DeriveKey(k, "media"), DeriveKey(k, "other")
	if len(a) != KeySize || bytes.Equal(a, b) || bytes.Equal(a, k) || !bytes.Equal(a, DeriveKey(k, "media")) {
		t.Fatalf("derived keys: %x %x from %x", a, b, k)
	}
	if bytes.Equal(a, DeriveKey(NewKey(), "media")) {
		t.Fatal("two keys derived the same media key")
	}
}
