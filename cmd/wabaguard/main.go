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
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `wabaguard — a compliance gateway for the WhatsApp Cloud API

Usage:
  wabaguard serve   [--config FILE]   run the gateway (zero config: SQLite + built-in simulator)
  wabaguard sim     [flags]           run the Cloud API simulator alone
  wabaguard migrate [--config FILE]   create or upgrade the database schema
  wabaguard keys create --tenant ID   issue a new API key for a tenant
  wabaguard senders list|resume --phone-number-id ID   show senders; resume a stopped one
  wabaguard bench   send|webhooks|compare [flags]   load-test a gateway or the simulator
  wabaguard version                   print the version

Configuration: a JSON file (--config or WABAGUARD_CONFIG) and WABAGUARD_*
environment variables; see docs/configuration.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "wabaguard:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("a subcommand is required")
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
	case "senders":
		return runSenders(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "wabaguard", buildVersion())
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown subcommand %q", cmd)
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
