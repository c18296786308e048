package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: wabaguard keys create --tenant ID [--config FILE]")
	}
	fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant id")
	cfg, err := loadConfig(fs, args[1:])
	if err != nil {
		return err
	}
	if *tenant == "" {
		return errors.New("--tenant is required")
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.GetTenant(ctx, *tenant); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("tenant %q does not exist", *tenant)
		}
		return err
	}
	key, id := secret.NewAPIKey()
	if err := st.PutAPIKey(ctx, store.APIKey{ID: id, TenantID: *tenant, Hash: secret.HashAPIKey(key), CreatedAt: time.Now()}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API key for tenant %s (shown once; only its hash is stored):\n%s\n", *tenant, key)
	return nil
}
