package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
)

// Keyring seals with its primary key and opens with any of its keys, so a
// store sealed partly or wholly under a previous key stays readable while a
// rotation is under way. It implements store.Sealer.
type Keyring struct {
	primary  *Box
	previous []*Box
}

// NewKeyring returns a keyring sealing with primary and also opening what
// any of previous sealed.
func NewKeyring(primary []byte, previous ...[]byte) (*Keyring, error) {
	p, err := NewBox(primary)
	if err != nil {
		return nil, err
	}
	k := &Keyring{primary: p}
	for i, pk := range previous {
		b, err := NewBox(pk)
		if err != nil {
			return nil, fmt.Errorf("secret: previous key %d: %w", i+1, err)
		}
		k.previous = append(k.previous, b)
	}
	return k, nil
}

// Seal encrypts plaintext with the primary key.
func (k *Keyring) Seal(plaintext []byte) ([]byte, error) { return k.primary.Seal(plaintext) }

// Open decrypts what any key of the ring sealed, trying the primary first.
// AES-GCM authenticates, so a wrong key fails rather than returning garbage.
func (k *Keyring) Open(ciphertext []byte) ([]byte, error) {
	p, err := k.primary.Open(ciphertext)
	if err == nil {
		return p, nil
	}
	for _, b := range k.previous {
		if p, perr := b.Open(ciphertext); perr == nil {
			return p, nil
		}
	}
	return nil, err
}

// ErrKeyFileMode is wrapped by ReadKeyFile's error for a key file that
// others than its owner may read.
var ErrKeyFileMode = errors.New("secret: key file is readable by group or others")

// ReadKeyFile reads a key from a file, refusing one whose permissions let
// the group or others read or write it: a key anyone on the machine can
// read protects nothing. Create it with mode 0600 (or 0400).
func ReadKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s", ErrKeyFileMode, path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// WriteNewKeyFile creates path (mode 0600, failing if it exists) holding a
// fresh key, and returns the key.
func WriteNewKeyFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	k := NewKey()
	_, werr := fmt.Fprintf(f, "%x\n", k)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("secret: write key file: %w", err)
	}
	return k, nil
}

// DeriveKey returns a key for one purpose derived from a sealing key
// (HMAC-SHA256 of the purpose under the key), so a feature that needs its
// own key (media URLs) shares the operator's one secret without sharing
// the key that seals secrets at rest.
func DeriveKey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
