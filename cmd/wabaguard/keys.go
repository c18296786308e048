package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

const keysUsage = `Usage:
  wabaguard keys create --tenant ID [--expires WHEN] [--config FILE]
  wabaguard keys list   [--tenant ID] [--config FILE]
  wabaguard keys revoke [--config FILE] KEY_ID...

create issues a key and prints it once; only its hash is stored.
list shows each key's id, tenant, origin, creation, last use, expiry and
state, never the key itself. revoke stops keys by id (the part after wg_
in wg_<id>_<secret>, as list shows it). A running gateway stops accepting a
revoked key within 30 seconds (its key cache lifetime).

Run 'wabaguard keys SUBCOMMAND -h' for a subcommand's flags.
`

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errors.New("keys: a subcommand is required")
	}
	switch args[0] {
	case "create":
		return runKeysCreate(ctx, args[1:], stdout, stderr)
	case "list":
		return runKeysList(ctx, args[1:], stdout, stderr)
	case "revoke":
		return runKeysRevoke(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, keysUsage)
		return nil
	default:
		fmt.Fprint(stderr, keysUsage)
		return fmt.Errorf("keys: unknown subcommand %q", args[0])
	}
}

// keysFlags is a subcommand's flag set: its own flags plus --config, the
// only setting the key commands need (it names the store).
type keysFlags struct {
	*flag.FlagSet
	config *string
	stdout io.Writer
}

func newKeysFlags(name, synopsis string, stdout, stderr io.Writer) *keysFlags {
	fs := flag.NewFlagSet("keys "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	kf := &keysFlags{FlagSet: fs, stdout: stdout}
	kf.config = fs.String("config", os.Getenv("WABAGUARD_CONFIG"), "JSON configuration file (default $WABAGUARD_CONFIG)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wabaguard keys %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return kf
}

// parse parses args; asked for help, it prints it to stdout and reports
// done, so the command exits 0.
func (kf *keysFlags) parse(args []string) (done bool, err error) {
	if err := kf.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			kf.SetOutput(kf.stdout)
			kf.Usage()
			return true, nil
		}
		return false, err
	}
	return false, nil
}

// open loads the configuration and opens its store.
func (kf *keysFlags) open(ctx context.Context) (store.Store, error) {
	cfg, err := config.Load(*kf.config, os.Getenv)
	if err != nil {
		return nil, err
	}
	return server.OpenStore(ctx, cfg)
}

func runKeysCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kf := newKeysFlags("create", "--tenant ID [--expires WHEN] [--config FILE]", stdout, stderr)
	tenant := kf.String("tenant", "", "tenant id (required)")
	expires := kf.String("expires", "", "when the key stops working: a duration (90d, 720h) or a date (2027-01-31, RFC 3339); default never")
	if done, err := kf.parse(args); done || err != nil {
		return err
	}
	if *tenant == "" {
		return errors.New("keys create: --tenant is required")
	}
	if kf.NArg() > 0 {
		return fmt.Errorf("keys create: unexpected arguments %q", kf.Args())
	}
	now := time.Now()
	var expiresAt time.Time
	if *expires != "" {
		var err error
		if expiresAt, err = parseExpiry(*expires, now); err != nil {
			return fmt.Errorf("keys create: --expires: %w", err)
		}
	}
	st, err := kf.open(ctx)
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
	if err := st.PutAPIKey(ctx, store.APIKey{ID: id, TenantID: *tenant, Hash: secret.HashAPIKey(key),
		CreatedAt: now, ExpiresAt: expiresAt, Source: store.KeyFromCLI}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API key %s for tenant %s (shown once; only its hash is stored):\n%s\n", id, *tenant, key)
	if !expiresAt.IsZero() {
		fmt.Fprintf(stdout, "It expires at %s.\n", expiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// parseExpiry reads a duration from now (Go's forms, plus whole days as
// "90d") or an absolute date or time; the result must be in the future.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	var at time.Time
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return at, fmt.Errorf("%q: use a number of days like 90d", s)
		}
		at = now.Add(time.Duration(n) * 24 * time.Hour)
	} else if d, err := time.ParseDuration(s); err == nil {
		at = now.Add(d)
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else if t, err := time.Parse(time.DateOnly, s); err == nil {
		at = t
	} else {
		return at, fmt.Errorf("%q: use a duration (90d, 720h) or a date (2027-01-31 or RFC 3339)", s)
	}
	if !at.After(now) {
		return at, fmt.Errorf("%q is not in the future", s)
	}
	return at, nil
}

func runKeysList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kf := newKeysFlags("list", "[--tenant ID] [--config FILE]", stdout, stderr)
	tenant := kf.String("tenant", "", "only this tenant's keys")
	if done, err := kf.parse(args); done || err != nil {
		return err
	}
	if kf.NArg() > 0 {
		return fmt.Errorf("keys list: unexpected arguments %q", kf.Args())
	}
	st, err := kf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := st.ListAPIKeys(ctx, *tenant)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTENANT\tSOURCE\tCREATED\tLAST USED\tEXPIRES\tSTATE")
	for _, k := range keys {
		state := "active"
		switch {
		case !k.RevokedAt.IsZero():
			state = "revoked " + when(k.RevokedAt)
		case k.Expired(now):
			state = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.TenantID, k.Source,
			when(k.CreatedAt), when(k.LastUsedAt), when(k.ExpiresAt), state)
	}
	return tw.Flush()
}

// when prints a time for the key table; the zero time is "-".
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func runKeysRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kf := newKeysFlags("revoke", "[--config FILE] KEY_ID...", stdout, stderr)
	if done, err := kf.parse(args); done || err != nil {
		return err
	}
	if kf.NArg() == 0 {
		return errors.New("keys revoke: name at least one key id (see wabaguard keys list)")
	}
	st, err := kf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, arg := range kf.Args() {
		id := strings.TrimPrefix(arg, secret.APIKeyPrefix)
		if k := secret.APIKeyID(arg); k != "" { // a whole key, or wg_<id>_...
			id = k
		}
		if err := st.RevokeAPIKey(ctx, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("keys revoke: no key %q (see wabaguard keys list)", id)
			}
			return err
		}
		fmt.Fprintf(stdout, "revoked %s; running gateways refuse it within 30s\n", id)
	}
	return nil
}
