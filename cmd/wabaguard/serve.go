package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store/storecopy"
)

func loadConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	path := fs.String("config", os.Getenv("WABAGUARD_CONFIG"), "JSON configuration file")
	database := fs.String("database", "", "SQLite path or postgres:// URL (overrides the configuration)")
	listen := fs.String("listen", "", "listen address (overrides the configuration)")
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	c, err := config.Load(*path, os.Getenv)
	if err != nil {
		return c, err
	}
	if *database != "" {
		c.Database = *database
	}
	if *listen != "" {
		c.Listen = *listen
	}
	return c, c.Validate()
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	upstream := "Meta Graph API at " + cfg.Graph.BaseURL
	if srv.SimulatorURL() != "" {
		upstream = "built-in Cloud API simulator at " + srv.SimulatorURL()
	}
	store := "SQLite " + cfg.SQLitePath()
	if cfg.IsPostgres() {
		store = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "wabaguard %s listening on %s (store: %s; upstream: %s)\n", buildVersion(), srv.URL(), store, upstream)
	fmt.Fprintf(stdout, "  send:     POST %s/v23.0/{phone_number_id}/messages\n", srv.URL())
	fmt.Fprintf(stdout, "  webhooks: %s%s (Meta's callback URL)\n", srv.URL(), server.WebhookPath)
	if srv.First.APIKey != "" {
		fmt.Fprintf(stdout, `
First start: a demo tenant was created. These secrets are shown ONCE; keep them.
  API key:         %s
  webhook secret:  %s
  sender:          phone_number_id %s (%s)
  its webhooks go to %s%s (GET it to see them)

Try it:
  curl -s %s/v23.0/%s/messages \
    -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
    -d '{"messaging_product":"whatsapp","to":"+55 11 98765-4321","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}'

`, srv.First.APIKey, srv.First.WebhookSecret, server.DemoPhoneNumberID, server.DemoDisplayNumber,
			srv.URL(), server.DemoWebhookPath, srv.URL(), server.DemoPhoneNumberID, srv.First.APIKey)
	} else if len(cfg.Tenants) == 0 {
		fmt.Fprintf(stdout, "  demo tenant: sender %s; its API key was shown on first start (new one: wabaguard keys create --tenant demo)\n", server.DemoPhoneNumberID)
	}
	return srv.Run(ctx)
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	copyFrom := fs.String("copy-from-sqlite", "", "copy this SQLite installation into the PostgreSQL --database, verified by row counts and checksums")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *copyFrom != "" {
		if !cfg.IsPostgres() {
			return errors.New("--copy-from-sqlite needs --database postgres://… as the target")
		}
		// Sealed secrets are copied as they are: the replicas must run with
		// the key that sealed them (the old data directory's secret.key).
		return storecopy.Main(ctx, *copyFrom, cfg.Database, stdout)
	}
	st, err := server.OpenStore(ctx, cfg) // opening migrates
	if err != nil {
		return err
	}
	defer st.Close()
	where := cfg.SQLitePath()
	if cfg.IsPostgres() {
		where = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "schema of %s is up to date\n", where)
	return nil
}
