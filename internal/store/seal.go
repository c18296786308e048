package store

import "fmt"

// SealString encrypts a secret for storage. The empty secret is stored as
// nil (NULL), so that "none" needs no key to read; both engines rely on it,
// and so does copying one engine's rows into the other.
func SealString(s Sealer, plain string) ([]byte, error) {
	if plain == "" {
		return nil, nil
	}
	b, err := s.Seal([]byte(plain))
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return b, nil
}

// OpenString decrypts what SealString stored.
func OpenString(s Sealer, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	b, err := s.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("open sealed value: %w", err)
	}
	return string(b), nil
}
