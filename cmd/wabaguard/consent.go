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
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

const consentUsage = `Usage:
  wabaguard consent record --tenant ID --contact NUMBER --action opt_in|opt_out
                           --category C --source S [evidence flags] [--config FILE]
  wabaguard consent state  --tenant ID --contact NUMBER --category C [--config FILE]
  wabaguard consent verify [--tenant ID | --file EXPORT] [--config FILE]
  wabaguard consent export --tenant ID [--with-personal-data] [--config FILE] > chain.jsonl
  wabaguard consent erase  --tenant ID --contact NUMBER [--config FILE]

record appends an opt-in or opt-out to the tenant's hash-chained ledger; an
opt-in is refused without evidence (--text, --at and one of --url, --ip,
--message-id). verify checks every tenant's chain (or one, or an export
file, offline) and exits 0 when intact, 1 when broken, naming the first bad
seq. export writes the chain as JSON Lines, without personal data unless
asked. erase deletes a contact's number and evidence (LGPD) and records the
erasure, after which the contact is never messaged again until it opts in
anew; the chain still verifies. See docs/consent-ledger.md.

Categories: marketing, utility, authentication, all. Sources: web_form,
whatsapp_keyword, import, api, meta_user_preferences, meta_131050.
`

func runConsent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, consentUsage)
		return errors.New("consent: a subcommand is required")
	}
	switch args[0] {
	case "record":
		return runConsentRecord(ctx, args[1:], stdout, stderr)
	case "state":
		return runConsentState(ctx, args[1:], stdout, stderr)
	case "verify":
		return runConsentVerify(ctx, args[1:], stdout, stderr)
	case "export":
		return runConsentExport(ctx, args[1:], stdout, stderr)
	case "erase":
		return runConsentErase(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, consentUsage)
		return nil
	default:
		fmt.Fprint(stderr, consentUsage)
		return fmt.Errorf("consent: unknown subcommand %q", args[0])
	}
}

// consentFlags is a subcommand's flag set plus --config and --tenant.
type consentFlags struct {
	*flag.FlagSet
	config, tenant *string
	stdout         io.Writer
}

func newConsentFlags(name, synopsis string, stdout, stderr io.Writer) *consentFlags {
	fs := flag.NewFlagSet("consent "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := &consentFlags{FlagSet: fs, stdout: stdout}
	cf.config = fs.String("config", os.Getenv("WABAGUARD_CONFIG"), "JSON configuration file (default $WABAGUARD_CONFIG)")
	cf.tenant = fs.String("tenant", "", "tenant id")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wabaguard consent %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return cf
}

// parse parses args; asked for help, it prints it to stdout and reports
// done, so the command exits 0.
func (cf *consentFlags) parse(args []string) (done bool, err error) {
	if err := cf.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cf.SetOutput(cf.stdout)
			cf.Usage()
			return true, nil
		}
		return false, err
	}
	if cf.NArg() > 0 {
		return false, fmt.Errorf("consent: unexpected argument %q", cf.Arg(0))
	}
	return false, nil
}

// open loads the configuration and opens its store and a ledger on it,
// built as the server builds it: an erasure reaches the rest of the
// contact's data, and a double opt-in tenant's opt-in queues its
// confirmation request for the serving dispatcher. Close the store when
// done; the ledger's intake is closed with it.
func (cf *consentFlags) open(ctx context.Context) (*consent.Ledger, store.Store, error) {
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
	return l, closingStore{Store: st, before: done}, nil
}

// closingStore runs before (the intake's close, which flushes what it
// holds) before closing the store.
type closingStore struct {
	store.Store
	before func()
}

// Close implements store.Store.
func (c closingStore) Close() error {
	c.before()
	return c.Store.Close()
}

// openForTenant is open for the commands that write: the tenant must
// exist, so a typo does not start a chain nobody will look at.
func (cf *consentFlags) openForTenant(ctx context.Context) (*consent.Ledger, store.Store, error) {
	if *cf.tenant == "" {
		return nil, nil, &consent.FieldError{Field: "tenant", Reason: "is required"}
	}
	l, st, err := cf.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := st.GetTenant(ctx, *cf.tenant); err != nil {
		_ = st.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, &consent.FieldError{Field: "tenant", Reason: fmt.Sprintf("no tenant %q", *cf.tenant)}
		}
		return nil, nil, err
	}
	return l, st, nil
}

func runConsentRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newConsentFlags("record", "--tenant ID --contact NUMBER --action A --category C --source S [evidence]", stdout, stderr)
	var req consent.Request
	contact := cf.String("contact", "", "the contact's phone number (E.164 or wa_id)")
	action := cf.String("action", "", "opt_in or opt_out")
	category := cf.String("category", "", "marketing, utility, authentication or all")
	source := cf.String("source", "", "web_form, whatsapp_keyword, import, api, meta_user_preferences or meta_131050")
	cf.StringVar(&req.Evidence.Text, "text", "", "evidence: the text the contact was shown, or wrote")
	cf.StringVar(&req.Evidence.URL, "url", "", "evidence: the form's URL, or where an import's proof is kept")
	cf.StringVar(&req.Evidence.IP, "ip", "", "evidence: the contact's IP address")
	cf.StringVar(&req.Evidence.UserAgent, "user-agent", "", "evidence: the contact's user agent")
	cf.StringVar(&req.Evidence.MessageID, "message-id", "", "evidence: the WhatsApp message that carried it")
	at := cf.String("at", "", "evidence: when the contact acted, RFC 3339 (required for an opt-in)")
	if done, err := cf.parse(args); done || err != nil {
		return err
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("consent: --at: %q is not an RFC 3339 time", *at)
		}
		req.Evidence.At = t
	}
	req.TenantID, req.Contact = *cf.tenant, *contact
	req.Action, req.Category, req.Source = consent.Action(*action), consent.Category(*category), consent.Source(*source)
	l, st, err := cf.openForTenant(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := l.Record(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recorded %s %s for tenant %s: seq %d, hash %s\n", req.Action, req.Category, req.TenantID, r.Seq, r.Hash)
	return nil
}

func runConsentState(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newConsentFlags("state", "--tenant ID --contact NUMBER --category C", stdout, stderr)
	contact := cf.String("contact", "", "the contact's phone number")
	category := cf.String("category", "", "marketing, utility, authentication or all")
	if done, err := cf.parse(args); done || err != nil {
		return err
	}
	l, st, err := cf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := l.State(ctx, *cf.tenant, *contact, consent.Category(*category))
	if err != nil {
		return err
	}
	if s.Action == "" {
		fmt.Fprintf(stdout, "no record for %s\n", *category)
		return nil
	}
	fmt.Fprintf(stdout, "%s (%s, from %s, seq %d at %s)\n", s.Action, s.Category, s.Source, s.Seq, s.At.Format(time.RFC3339))
	return nil
}

func runConsentVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newConsentFlags("verify", "[--tenant ID | --file EXPORT] [--json]", stdout, stderr)
	file := cf.String("file", "", "verify an export offline instead of the store (- for stdin)")
	asJSON := cf.Bool("json", false, "print the reports as JSON")
	if done, err := cf.parse(args); done || err != nil {
		return err
	}
	var reports []consent.Report
	switch {
	case *file != "" && *cf.tenant != "":
		return errors.New("consent verify: --tenant and --file exclude each other (an export names its tenant)")
	case *file != "":
		in := os.Stdin
		if *file != "-" {
			f, err := os.Open(*file)
			if err != nil {
				return fmt.Errorf("consent verify: %w", err)
			}
			defer f.Close()
			in = f
		}
		r, err := consent.VerifyExport(in)
		if err != nil {
			return err
		}
		reports = append(reports, r)
	default:
		l, st, err := cf.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if *cf.tenant != "" {
			r, err := l.Verify(ctx, *cf.tenant)
			if err != nil {
				return err
			}
			reports = append(reports, r)
		} else if reports, err = l.VerifyAll(ctx); err != nil {
			return err
		}
	}
	broken := false
	for _, r := range reports {
		broken = broken || !r.OK
		if !*asJSON {
			fmt.Fprintln(stdout, r)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return fmt.Errorf("consent verify: %w", err)
		}
	} else if len(reports) == 0 {
		fmt.Fprintln(stdout, "no consent records")
	}
	if broken {
		return exitStatus(1)
	}
	return nil
}

func runConsentExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newConsentFlags("export", "--tenant ID [--with-personal-data]", stdout, stderr)
	personal := cf.Bool("with-personal-data", false, "include numbers and evidence not yet erased (personal data: handle accordingly)")
	if done, err := cf.parse(args); done || err != nil {
		return err
	}
	if *cf.tenant == "" {
		return errors.New("consent export: --tenant is required")
	}
	l, st, err := cf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return l.Export(ctx, *cf.tenant, stdout, *personal)
}

func runConsentErase(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newConsentFlags("erase", "--tenant ID --contact NUMBER", stdout, stderr)
	contact := cf.String("contact", "", "the contact's phone number")
	if done, err := cf.parse(args); done || err != nil {
		return err
	}
	l, st, err := cf.openForTenant(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := l.Erase(ctx, *cf.tenant, *contact)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "erased the personal data of the contact for tenant %s; erasure recorded at seq %d; it will not be messaged again\n", *cf.tenant, r.Seq)
	return nil
}
