package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

const contactsUsage = `Usage:
  wabaguard contacts import --tenant ID [--dry-run] [--strict] [--format csv|json|jsonl]
                            [--encoding utf-8|latin-1] [--timezone ZONE] [--report FILE] FILE
  wabaguard contacts export --tenant ID [--format csv|jsonl] [--audience ID] > contacts.csv
  wabaguard contacts list   --tenant ID [--search S] [--tag T] [--after WA_ID] [--limit N]

import reads a CSV (';' or ',', UTF-8 or Latin-1, detected) or JSON Lines
file of any size, checks every line and, unless --dry-run (or --strict with
a refused line), writes the good ones with their consent evidence as ledger
opt-ins. Refused lines are printed to stderr; --report writes every line's
outcome as JSON Lines (a dry run prints them all to stdout). An interrupted
import resumes when the same file is imported again. See docs/contacts.md.

  wabaguard audiences list   --tenant ID
  wabaguard audiences put    --tenant ID --id ID --name NAME --filter JSON
  wabaguard audiences get|delete|count|preview --tenant ID --id ID

An audience's filter is a small JSON expression, evaluated when used:
{"all":[{"tag":"vip"},{"consent":{"category":"marketing","state":"opted_in"}}]}
`

// contactFlags is a contacts or audiences subcommand's flag set.
type contactFlags struct {
	*flag.FlagSet
	config, tenant *string
	stdout         io.Writer
}

func newContactFlags(cmd, name, synopsis string, stdout, stderr io.Writer) *contactFlags {
	fs := flag.NewFlagSet(cmd+" "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := &contactFlags{FlagSet: fs, stdout: stdout}
	cf.config = fs.String("config", os.Getenv("WABAGUARD_CONFIG"), "JSON configuration file (default $WABAGUARD_CONFIG)")
	cf.tenant = fs.String("tenant", "", "tenant id (required)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wabaguard %s %s %s\n\nFlags:\n", cmd, name, synopsis)
		fs.PrintDefaults()
	}
	return cf
}

// parse parses args, allowing at most maxArgs positional ones.
func (cf *contactFlags) parse(args []string, maxArgs int) (done bool, err error) {
	if err := cf.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cf.SetOutput(cf.stdout)
			cf.Usage()
			return true, nil
		}
		return false, err
	}
	if cf.NArg() > maxArgs {
		return false, fmt.Errorf("%s: unexpected argument %q", cf.Name(), cf.Arg(maxArgs))
	}
	if *cf.tenant == "" {
		return false, fmt.Errorf("%s: --tenant is required", cf.Name())
	}
	return false, nil
}

// open builds the contact service as the server does, for a tenant that
// exists. Close the store when done.
func (cf *contactFlags) open(ctx context.Context) (*contact.Service, store.Store, error) {
	cfg, err := config.Load(*cf.config, os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	l, done, err := server.NewLedger(cfg, st, slog.New(slog.NewTextHandler(cf.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	cs := closingStore{Store: st, before: done}
	if _, err := st.GetTenant(ctx, *cf.tenant); err != nil {
		_ = cs.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, fmt.Errorf("%s: no tenant %q", cf.Name(), *cf.tenant)
		}
		return nil, nil, err
	}
	return contact.New(st, l, contact.WithDefaultRegion(cfg.DefaultRegion)), cs, nil
}

func runContacts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, contactsUsage)
		return &usageError{err: errors.New("contacts: a subcommand is required")}
	}
	switch args[0] {
	case "import":
		return runContactsImport(ctx, args[1:], stdout, stderr)
	case "export":
		return runContactsExport(ctx, args[1:], stdout, stderr)
	case "list":
		return runContactsList(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, contactsUsage)
		return nil
	}
	fmt.Fprint(stderr, contactsUsage)
	return &usageError{err: fmt.Errorf("contacts: unknown subcommand %q", args[0])}
}

func runContactsImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newContactFlags("contacts", "import", "--tenant ID [flags] FILE", stdout, stderr)
	var opt contact.ImportOptions
	cf.BoolVar(&opt.DryRun, "dry-run", false, "check and report every line; write nothing")
	cf.BoolVar(&opt.Strict, "strict", false, "write nothing when any line is refused")
	cf.StringVar(&opt.Format, "format", "", "csv, json or jsonl (detected when absent)")
	cf.StringVar(&opt.Encoding, "encoding", "", "utf-8 or latin-1 (detected when absent)")
	tz := cf.String("timezone", "UTC", "IANA time zone of consent_at values written without one")
	report := cf.String("report", "", "write every line's outcome to this file as JSON Lines")
	quiet := cf.Bool("quiet", false, "no progress bar")
	if done, err := cf.parse(args, 1); done || err != nil {
		return err
	}
	if cf.NArg() != 1 {
		return errors.New("contacts import: the file to import is required")
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("contacts import: --timezone: %w", err)
	}
	opt.Location = loc
	f, err := os.Open(cf.Arg(0))
	if err != nil {
		return fmt.Errorf("contacts import: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		opt.Size = fi.Size()
	}
	svc, st, err := cf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()

	var rw *json.Encoder
	if *report != "" {
		rf, err := os.Create(*report)
		if err != nil {
			return fmt.Errorf("contacts import: --report: %w", err)
		}
		defer rf.Close()
		rw = json.NewEncoder(rf)
	}
	dryOut := json.NewEncoder(stdout)
	opt.OnLine = func(l contact.LineResult) {
		if rw != nil {
			_ = rw.Encode(l)
		}
		switch {
		case opt.DryRun:
			_ = dryOut.Encode(l)
		case l.Outcome == contact.Refused:
			fmt.Fprintf(stderr, "line %d: refused (%s): %s\n", l.Line, l.Reason, l.Detail)
		}
	}
	var bar *progressbar.ProgressBar
	phase := ""
	if !*quiet {
		opt.OnProgress = func(p contact.Progress) {
			if p.Phase != phase {
				if bar != nil {
					_ = bar.Finish()
					fmt.Fprintln(stderr)
				}
				phase = p.Phase
				desc, total := "checking", p.Total
				if p.Phase == "commit" {
					desc = "writing"
				}
				if total <= 0 {
					total = -1
				}
				opts := []progressbar.Option{progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription(desc),
					progressbar.OptionThrottle(200 * time.Millisecond), progressbar.OptionSetWidth(30)}
				if p.Phase == "check" {
					opts = append(opts, progressbar.OptionShowBytes(true)) // the check pass reads bytes
				} else {
					opts = append(opts, progressbar.OptionShowCount()) // the commit writes contacts
				}
				bar = progressbar.NewOptions64(total, opts...)
			}
			_ = bar.Set64(p.Done)
		}
	}
	rep, err := svc.Import(ctx, *cf.tenant, f, opt)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return fmt.Errorf("contacts import: %w", err)
	}
	what := "imported"
	switch {
	case rep.Refusal != "":
		return fmt.Errorf("contacts import: the file is refused: %s", rep.Refusal)
	case opt.DryRun:
		what = "dry run, nothing written"
	case !rep.Committed && opt.Strict && rep.Refused > 0:
		what = "strict: nothing written, fix the refused lines"
	case rep.Resumed:
		what = "imported (resumed " + rep.ID + ")"
	case rep.Committed:
		what = "imported as " + rep.ID
	}
	reasons := make([]string, 0, len(rep.Reasons))
	for k, v := range rep.Reasons {
		reasons = append(reasons, fmt.Sprintf("%s %d", k, v))
	}
	fmt.Fprintf(stderr, "%s: %d lines (%s, %s), %d created, %d merged, %d refused%s, %d opt-ins\n", what, rep.Lines, rep.Format, rep.Encoding,
		rep.Created, rep.Merged, rep.Refused, paren(strings.Join(reasons, ", ")), rep.OptIns)
	if opt.Strict && rep.Refused > 0 {
		return errors.New("contacts import: refused lines in a strict import")
	}
	return nil
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func runContactsExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newContactFlags("contacts", "export", "--tenant ID [--format csv|jsonl] [--audience ID]", stdout, stderr)
	format := cf.String("format", "csv", "csv or jsonl")
	audience := cf.String("audience", "", "only this audience's contacts, evaluated now")
	if done, err := cf.parse(args, 0); done || err != nil {
		return err
	}
	svc, st, err := cf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var f *contact.Filter
	if *audience != "" {
		if _, f, err = svc.Audience(ctx, *cf.tenant, *audience); err != nil {
			return fmt.Errorf("contacts export: audience %s: %w", *audience, err)
		}
	}
	n, err := svc.Export(ctx, *cf.tenant, f, *format, stdout)
	if err != nil {
		return fmt.Errorf("contacts export: %w", err)
	}
	fmt.Fprintf(stderr, "exported %d contacts\n", n)
	return nil
}

func runContactsList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newContactFlags("contacts", "list", "--tenant ID [--search S] [--tag T] [--after WA_ID] [--limit N]", stdout, stderr)
	search := cf.String("search", "", "a wa_id prefix or a part of the name")
	tag := cf.String("tag", "", "only contacts with this tag")
	after := cf.String("after", "", "start after this wa_id")
	limit := cf.Int("limit", 50, "how many, up to 1000")
	if done, err := cf.parse(args, 0); done || err != nil {
		return err
	}
	svc, st, err := cf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	page, err := svc.List(ctx, contact.Query{TenantID: *cf.tenant, Search: *search, Tag: strings.ToLower(*tag), After: *after, Limit: *limit})
	if err != nil {
		return err
	}
	for _, v := range page {
		fmt.Fprintf(stdout, "%-16s %-24s %-8s marketing=%-8s tags=%s\n", v.E164, v.Name, v.Language, or(v.Consent["marketing"], "-"), strings.Join(v.Tags, ","))
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func runAudiences(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, contactsUsage)
		return &usageError{err: errors.New("audiences: a subcommand is required")}
	}
	sub := args[0]
	if sub == "help" || sub == "-h" || sub == "--help" {
		fmt.Fprint(stdout, contactsUsage)
		return nil
	}
	switch sub {
	case "list", "put", "get", "delete", "count", "preview":
	default:
		fmt.Fprint(stderr, contactsUsage)
		return &usageError{err: fmt.Errorf("audiences: unknown subcommand %q", sub)}
	}
	cf := newContactFlags("audiences", sub, "--tenant ID [--id ID]", stdout, stderr)
	id := cf.String("id", "", "the audience's id")
	name := cf.String("name", "", "put: its name")
	filter := cf.String("filter", "", "put: its filter expression (JSON)")
	limit := cf.Int("limit", 20, "preview: how many")
	if done, err := cf.parse(args[1:], 0); done || err != nil {
		return err
	}
	if sub != "list" && *id == "" {
		return fmt.Errorf("audiences %s: --id is required", sub)
	}
	svc, st, err := cf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	t := *cf.tenant
	switch sub {
	case "list":
		as, err := svc.Audiences(ctx, t)
		if err != nil {
			return err
		}
		for _, a := range as {
			fmt.Fprintf(stdout, "%-24s %-32s %s\n", a.ID, a.Name, a.Filter)
		}
	case "put":
		a, err := svc.PutAudience(ctx, t, *id, *name, []byte(*filter))
		if err != nil {
			return err
		}
		return enc.Encode(a)
	case "get":
		a, _, err := svc.Audience(ctx, t, *id)
		if err != nil {
			return err
		}
		return enc.Encode(a)
	case "delete":
		if err := svc.DeleteAudience(ctx, t, *id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted audience %s\n", *id)
	case "count", "preview":
		_, f, err := svc.Audience(ctx, t, *id)
		if err != nil {
			return err
		}
		if sub == "count" {
			n, err := svc.Count(ctx, t, f)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, n)
			return nil
		}
		shown := 0
		stop := errors.New("enough")
		err = svc.Each(ctx, t, f, func(v contact.View) error {
			fmt.Fprintf(stdout, "%-16s %s\n", v.E164, v.Name)
			if shown++; shown >= *limit {
				return stop
			}
			return nil
		})
		if err != nil && !errors.Is(err, stop) {
			return err
		}
	}
	return nil
}
