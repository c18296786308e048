// Command wabaguard is a self-hosted compliance gateway for Meta's WhatsApp
// Cloud API. Run `wabaguard help` for its subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // quiet hours need every zone, on a machine without a zone database too
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `wabaguard — a compliance gateway for the WhatsApp Cloud API

Usage:
  wabaguard serve   [--config FILE]   run the gateway (zero config: SQLite + built-in simulator)
  wabaguard sim     [flags]           run the Cloud API simulator alone
  wabaguard sim say [flags]           play the customer: a simulated person writes to a business number
  wabaguard migrate [--config FILE]   create or upgrade the database schema
  wabaguard keys create|list|revoke   issue, list or revoke tenants' API keys
  wabaguard secrets rotate --new-key-file PATH   reseal secrets at rest with a new key
  wabaguard messages show ID          what happened to a message: state, attempts, decisions, statuses
  wabaguard senders list|pause|resume --phone-number-id ID   show senders; pause or resume one
  wabaguard incidents list|show [--tenant ID] [ID]   flags, pauses, restrictions and bans with their timeline
  wabaguard campaigns list|show|stats|pause|resume|cancel --tenant T [--id ID]   a tenant's campaigns
  wabaguard bench   send|webhooks|compare [flags]   load-test a gateway or the simulator
  wabaguard check   --inbound [TEXT]  is a text an opt-out (exit 3), an opt-in (4) or neither (0)?
  wabaguard check   --template FILE   lint a template before submitting it (exit 5 on a block)
  wabaguard consent record|state|verify|export|erase   the hash-chained consent ledger
  wabaguard contacts import|export|list --tenant ID   the contact list, imports with consent proof
  wabaguard audiences list|put|get|delete|count|preview --tenant ID   saved segments
  wabaguard users   create|list       dashboard users (log in at /ui)
  wabaguard content train|models|activate|rollback --tenant ID   a tenant's content classifier
  wabaguard appeal  --sender ID --out FILE   the appeal dossier of a number (html, pdf, json)
  wabaguard version                   print the version

Every subcommand explains its flags with --help. Exit status: 0 on success
(and for --help), 2 for a usage mistake, 1 for any other failure.

Configuration: a JSON file (--config or WABAGUARD_CONFIG) and WABAGUARD_*
environment variables; see docs/configuration.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var status exitStatus
	if errors.As(err, &status) { // the command has said what it had to
		os.Exit(int(status))
	}
	reportError(os.Stderr, err)
	os.Exit(exitCode(err))
}

// reportError prints run's error the way the conventions in flags.go say.
func reportError(stderr io.Writer, err error) {
	var ue *usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		hint := "wabaguard help"
		if ue.cmd != "" {
			hint = "wabaguard " + ue.cmd + " --help"
		}
		fmt.Fprintf(stderr, "wabaguard: %v\nRun '%s' for usage.\n", err, hint)
	default:
		fmt.Fprintln(stderr, "wabaguard:", err)
	}
}

// run runs one subcommand. Help asked for is not an error: it returns nil.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatchCommand(ctx, args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &usageError{err: errors.New("a subcommand is required")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "sim":
		return runSim(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "keys":
		return runKeys(ctx, rest, stdout, stderr)
	case "messages":
		return runMessages(ctx, rest, stdout, stderr)
	case "secrets":
		return runSecrets(ctx, rest, stdout, stderr)
	case "check":
		return runCheck(rest, os.Stdin, stdout, stderr)
	case "senders":
		return runSenders(ctx, rest, stdout, stderr)
	case "incidents":
		return runIncidents(ctx, rest, stdout, stderr)
	case "campaigns":
		return runCampaigns(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "consent":
		return runConsent(ctx, rest, stdout, stderr)
	case "users":
		return runUsers(ctx, rest, stdout, stderr)
	case "contacts":
		return runContacts(ctx, rest, stdout, stderr)
	case "audiences":
		return runAudiences(ctx, rest, stdout, stderr)
	case "content":
		return runContent(ctx, rest, stdout, stderr)
	case "appeal":
		return runAppeal(ctx, rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "wabaguard", buildVersion())
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return &usageError{err: fmt.Errorf("unknown subcommand %q", cmd)}
	}
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}

// newLogger returns the JSON logger every subcommand uses.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
