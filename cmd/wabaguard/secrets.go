package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

const secretsUsage = `Usage:
  wabaguard secrets rotate --new-key-file PATH [--config FILE]

rotate reseals every secret at rest (tenants' webhook secrets, senders'
access tokens) with a new key, in one transaction. PATH is created with a
fresh key (mode 0600) unless it already holds one. The current key is the
one the configuration names (secret_key, secret_key_file, the systemd
credential wabaguard-secret-key, or the data folder's secret.key), and
previous_secret_keys are tried too, so an interrupted rotation can be run
again. Afterwards point secret_key_file at PATH and keep the old key in
previous_secret_keys until every replica has restarted; see docs/security.md.
`

func runSecrets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, secretsUsage)
		return errors.New("secrets: a subcommand is required")
	}
	switch args[0] {
	case "rotate":
		return runSecretsRotate(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, secretsUsage)
		return nil
	default:
		fmt.Fprint(stderr, secretsUsage)
		return fmt.Errorf("secrets: unknown subcommand %q", args[0])
	}
}

func runSecretsRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("secrets rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", os.Getenv("WABAGUARD_CONFIG"), "JSON configuration file (default $WABAGUARD_CONFIG)")
	newPath := fs.String("new-key-file", "", "file for the new key: created (mode 0600) when missing, read when it exists (required)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), secretsUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil
		}
		return err
	}
	if *newPath == "" {
		return errors.New("secrets rotate: --new-key-file is required")
	}
	cfg, err := config.Load(*cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	oldKey, src, err := server.SecretKey(cfg, os.Getenv)
	if err != nil {
		return err
	}
	newKey, created, err := newKeyFile(*newPath)
	if err != nil {
		return err
	}
	keys := [][]byte{oldKey}
	for i, p := range cfg.PreviousSecretKeys {
		b, err := secret.ParseKey(p)
		if err != nil {
			return fmt.Errorf("previous_secret_keys[%d]: %w", i, err)
		}
		keys = append(keys, b)
	}
	ring, err := secret.NewKeyring(newKey, keys...)
	if err != nil {
		return err
	}
	st, err := server.OpenStoreWith(ctx, cfg, ring)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.(store.Resealer).ResealSecrets(ctx)
	if err != nil {
		return fmt.Errorf("secrets rotate: nothing changed: %w", err)
	}
	verb := "read"
	if created {
		verb = "created"
	}
	fmt.Fprintf(stdout, "Resealed %d secrets with the new key (%s %s); the old key came from %s.\n", n, verb, *newPath, src)
	fmt.Fprintf(stdout, "Next: set secret_key_file (or WABAGUARD_SECRET_KEY_FILE) to %s, put the old key in previous_secret_keys\n", *newPath)
	fmt.Fprintln(stdout, "until every replica runs with the new one, then remove it and destroy the old key.")
	return nil
}

// newKeyFile reads the key at path, or creates it when path does not exist.
func newKeyFile(path string) (key []byte, created bool, err error) {
	if _, err := os.Stat(path); err == nil {
		k, err := secret.ReadKeyFile(path)
		return k, false, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("new key file: %w", err)
	}
	k, err := secret.WriteNewKeyFile(path)
	return k, true, err
}
