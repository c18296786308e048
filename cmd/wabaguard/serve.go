package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store/storecopy"
)

// loadConfig registers --config and --database on fs, parses args and loads
// the configuration.
func loadConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	o := configFlags(fs)
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	c, err := o.load()
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[flags]", `Run the gateway: the Graph-compatible API, the dispatcher and webhooks in
and out. With no configuration it uses SQLite in ./data and the built-in
Cloud API simulator, and creates a demo tenant on first start.`, stdout)
	o := configFlags(fs.FlagSet)
	listen := fs.String("listen", "", "listen `address`, e.g. 127.0.0.1:8080 (overrides the configuration)")
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	cfg, err := o.load()
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if err := cfg.Validate(); err != nil {
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
  KEY=%s
  curl -s %s/v23.0/%s/messages \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"messaging_product":"whatsapp","to":"+55 11 98765-4321","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}'
    # refused (470110): nobody recorded that this person agreed; record it, then send again:
  curl -s %s/api/v1/consent -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"number":"+5511987654321","action":"opt_in","category":"all","source":"web_form","evidence":{"text":"Quero receber mensagens","url":"https://loja.example/cadastro","at":"'"$(date -u +%%FT%%TZ)"'"}}'
  wabaguard sim say%s --from +5511987654321 --text "Oi"   # the customer writes: text replies are delivered
  wabaguard messages show wamid.…                         # what happened to a message

`, srv.First.APIKey, srv.First.WebhookSecret, server.DemoPhoneNumberID, server.DemoDisplayNumber,
			srv.URL(), server.DemoWebhookPath, srv.First.APIKey, srv.URL(), server.DemoPhoneNumberID, srv.URL(), gatewayFlag(srv.URL()))
	}
	if srv.First.DashboardPassword != "" {
		fmt.Fprintf(stdout, "Dashboard: %s/ui/login  email %s  password %s  (shown ONCE; keep it)\n\n",
			srv.URL(), srv.First.DashboardEmail, srv.First.DashboardPassword)
	}
	if srv.First.APIKey == "" && len(cfg.Tenants) == 0 {
		fmt.Fprintf(stdout, "  demo tenant: sender %s; its API key was shown on first start (new one: wabaguard keys create --tenant demo)\n", server.DemoPhoneNumberID)
	}
	return srv.Run(ctx)
}

// gatewayFlag is the --gateway flag sim say needs to reach url ("" for its default).
func gatewayFlag(url string) string {
	if url == "http://127.0.0.1:8080" {
		return ""
	}
	return " --gateway " + url
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "[flags]", `Create or upgrade the database schema (the migrations are in the binary),
or copy a SQLite installation into PostgreSQL.`, stdout)
	o := configFlags(fs.FlagSet)
	copyFrom := fs.String("copy-from-sqlite", "", "copy the SQLite database at `path` into the PostgreSQL --database, verified by row counts and checksums")
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	cfg, err := o.load()
	if err == nil {
		err = cfg.Validate()
	}
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
