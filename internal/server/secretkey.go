package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
)

// CredentialName is the systemd credential (LoadCredential= or
// LoadCredentialEncrypted=) the secret key is read from when the unit
// provides one: $CREDENTIALS_DIRECTORY/wabaguard-secret-key.
const CredentialName = "wabaguard-secret-key"

// KeySource says where the secret key came from, for the start-up log.
type KeySource string

// Where a secret key can come from, in order of precedence.
const (
	KeyFromValue      KeySource = "secret_key"
	KeyFromFile       KeySource = "secret_key_file"
	KeyFromCredential KeySource = "systemd credential " + CredentialName
	KeyFromDataDir    KeySource = "data folder (secret.key beside the database)"
)

// SecretKey returns the key that seals secrets at rest and where it came
// from: secret_key, else secret_key_file, else the systemd credential, else
// DataDir/secret.key (created on first start; SQLite only, because replicas
// must share one key).
func SecretKey(cfg config.Config, getenv func(string) string) ([]byte, KeySource, error) {
	switch {
	case cfg.SecretKey != "":
		k, err := secret.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, "", fmt.Errorf("secret_key: %w", err)
		}
		return k, KeyFromValue, nil
	case cfg.SecretKeyFile != "":
		k, err := secret.ReadKeyFile(cfg.SecretKeyFile)
		return k, KeyFromFile, err
	}
	if dir := getenv("CREDENTIALS_DIRECTORY"); dir != "" {
		path := filepath.Join(dir, CredentialName)
		if _, err := os.Stat(path); err == nil {
			// systemd makes credentials readable by the service alone.
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, "", fmt.Errorf("systemd credential %s: %w", CredentialName, err)
			}
			k, err := secret.ParseKey(string(b))
			if err != nil {
				return nil, "", fmt.Errorf("systemd credential %s: %w", CredentialName, err)
			}
			return k, KeyFromCredential, nil
		}
	}
	if cfg.IsPostgres() {
		// Replicas must share one key; a per-machine file would split them.
		return nil, "", errors.New("a PostgreSQL store needs a secret key shared by all replicas: secret_key_file, WABAGUARD_SECRET_KEY or the systemd credential " + CredentialName)
	}
	k, err := secret.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "secret.key"))
	return k, KeyFromDataDir, err
}

// Keyring is the sealer of cfg: it seals with the secret key and also opens
// what previous_secret_keys sealed.
func Keyring(cfg config.Config, getenv func(string) string) (*secret.Keyring, KeySource, error) {
	k, src, err := SecretKey(cfg, getenv)
	if err != nil {
		return nil, "", err
	}
	var prev [][]byte
	for i, p := range cfg.PreviousSecretKeys {
		b, err := secret.ParseKey(p)
		if err != nil {
			return nil, "", fmt.Errorf("previous_secret_keys[%d]: %w", i, err)
		}
		prev = append(prev, b)
	}
	ring, err := secret.NewKeyring(k, prev...)
	return ring, src, err
}

// mediaKeyPurpose names the key media URLs are sealed with.
const mediaKeyPurpose = "wabaguard media URLs v1"

// MediaKeyring is the sealer of media URLs: keys derived from the secret key
// and the previous ones, so every replica sharing the secret key opens the
// URLs any of them issued, and a rotation keeps URLs issued just before it
// working.
func MediaKeyring(cfg config.Config, getenv func(string) string) (*secret.Keyring, error) {
	k, _, err := SecretKey(cfg, getenv)
	if err != nil {
		return nil, err
	}
	var prev [][]byte
	for i, p := range cfg.PreviousSecretKeys {
		b, err := secret.ParseKey(p)
		if err != nil {
			return nil, fmt.Errorf("previous_secret_keys[%d]: %w", i, err)
		}
		prev = append(prev, secret.DeriveKey(b, mediaKeyPurpose))
	}
	return secret.NewKeyring(secret.DeriveKey(k, mediaKeyPurpose), prev...)
}
