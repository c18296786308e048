package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters, RFC 9106's second recommended option scaled to a
// small server: 64 MiB of memory, 3 passes, 2 lanes, a 16-byte random
// salt and a 32-byte key. A log-in costs about 0.19 s on a 2-core machine
// (BenchmarkVerifyPassword), which the log-in limiter bounds. The parameters travel in each
// encoded hash, so raising them later keeps old passwords verifiable.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonSaltLen = 16
	argonKeyLen  = 32
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

// MaxPasswordLen bounds what is fed to the key derivation.
const MaxPasswordLen = 1024

var errBadHash = errors.New("ui: not an argon2id hash this gateway wrote")

// HashPassword derives an encoded argon2id hash of password with a fresh
// random salt, in the PHC string format:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<key> (unpadded base64).
func HashPassword(password string) (string, error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("ui: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword refuses passwords too short or too long to use.
func checkPassword(p string) error {
	switch n := len([]rune(p)); {
	case n < MinPasswordLen:
		return fmt.Errorf("the password needs at least %d characters", MinPasswordLen)
	case len(p) > MaxPasswordLen:
		return fmt.Errorf("the password may have at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// VerifyPassword reports whether password matches the encoded hash, with
// the parameters the hash names (bounded, so a tampered row cannot ask for
// gigabytes). The comparison takes constant time.
func VerifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil ||
		m < 8*uint32(max(p, 1)) || m > 1024*1024 || t < 1 || t > 16 || p < 1 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errBadHash
	}
	if len(password) > MaxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the email is unknown, so a log-in
// for a person who does not exist takes as long as one with a wrong
// password.
var dummyHash = func() string {
	h, err := HashPassword("an unused password for timing")
	if err != nil {
		panic(err)
	}
	return h
}()
