package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
)

// TestSecretKeySources: the key comes from the value, else the file, else
// the systemd credential, else the data folder; a key file others can read
// is refused; PostgreSQL never falls back to a per-machine file.
func TestSecretKeySources(t *testing.T) {
	t.Parallel()
	hexKey := func(k []byte) string { return fmt.Sprintf("%x", k) }
	value, file, cred := secret.NewKey(), secret.NewKey(), secret.NewKey()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(hexKey(file)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(dir, "loose")
	if err := os.WriteFile(loose, []byte(hexKey(file)), 0o644); err != nil {
		t.Fatal(err)
	}
	credDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(credDir, CredentialName), []byte(hexKey(cred)), 0o400); err != nil {
		t.Fatal(err)
	}
	env := func(credentials string) func(string) string {
		return func(k string) string {
			if k == "CREDENTIALS_DIRECTORY" {
				return credentials
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name    string
		cfg     func(*config.Config)
		creds   string
		want    []byte
		source  KeySource
		wantErr error
	}{
		{"value wins", func(c *config.Config) { c.SecretKey = hexKey(value); c.SecretKeyFile = keyFile }, credDir, value, KeyFromValue, nil},
		{"file", func(c *config.Config) { c.SecretKeyFile = keyFile }, credDir, file, KeyFromFile, nil},
		{"file others can read", func(c *config.Config) { c.SecretKeyFile = loose }, "", nil, "", secret.ErrKeyFileMode},
		{"systemd credential", nil, credDir, cred, KeyFromCredential, nil},
		{"data folder", nil, "", nil, KeyFromDataDir, nil},
		{"postgres needs a shared key", func(c *config.Config) { c.Database = "postgres://127.0.0.1/none" }, "", nil, "", errAny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			got, src, err := SecretKey(cfg, env(tc.creds))
			switch {
			case tc.wantErr == errAny:
				if err == nil {
					t.Fatal("no error")
				}
				return
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if src != tc.source {
				t.Errorf("source = %q, want %q", src, tc.source)
			}
			if tc.want != nil && string(got) != string(tc.want) {
				t.Errorf("wrong key from %s", src)
			}
			if tc.source == KeyFromDataDir {
				if _, err := os.Stat(filepath.Join(cfg.DataDir, "secret.key")); err != nil {
					t.Errorf("data folder key not created: %v", err)
				}
			}
		})
	}
}

var errAny = errors.New("any error")

// TestMediaKeyringIsSharedAndRotates: replicas with the same secret key open
// each other's media URLs; after a rotation the URLs sealed under the old
// key still open while it is listed as previous; the media key is not the
// key that seals secrets at rest.
func TestMediaKeyringIsSharedAndRotates(t *testing.T) {
	t.Parallel()
	oldKey, newKey := secret.NewKey(), secret.NewKey()
	cfgWith := func(primary []byte, previous ...[]byte) config.Config {
		c := config.Default()
		c.DataDir = t.TempDir()
		c.SecretKey = fmt.Sprintf("%x", primary)
		for _, p := range previous {
			c.PreviousSecretKeys = append(c.PreviousSecretKeys, fmt.Sprintf("%x", p))
		}
		return c
	}
	ring := func(c config.Config) *secret.Keyring {
		r, err := MediaKeyring(c, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	replicaA, replicaB := ring(cfgWith(oldKey)), ring(cfgWith(oldKey))
	sealed, err := replicaA.Seal([]byte("media token"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ring *secret.Keyring
		want bool
	}{
		{"another replica", replicaB, true},
		{"rotated, old key kept as previous", ring(cfgWith(newKey, oldKey)), true},
		{"rotated, old key dropped", ring(cfgWith(newKey)), false},
	} {
		if _, err := c.ring.Open(sealed); (err == nil) != c.want {
			t.Errorf("%s: open err = %v, want opened=%v", c.name, err, c.want)
		}
	}
	atRest, err := secret.NewBox(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := atRest.Open(sealed); err == nil {
		t.Error("the secret key itself opens media tokens")
	}
}
