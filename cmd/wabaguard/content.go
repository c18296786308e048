package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/wabaguard/wabaguard/internal/content/classifier"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

const contentUsage = `Usage:
  wabaguard content train    --tenant ID FILE      [--config FILE]
  wabaguard content models   --tenant ID           [--config FILE]
  wabaguard content activate --tenant ID VERSION   [--config FILE]
  wabaguard content rollback --tenant ID           [--config FILE]

The content classifier, per tenant. train learns a new model from the
built-in data plus the tenant's labelled messages (FILE: JSON Lines with
text, label[, lang], or CSV text,label[,lang]; "-" reads standard input),
stores it as the tenant's next version and activates it. models lists the
versions with their held-out figures; activate makes a version the active
one (0: the built-in model); rollback goes back to the previous version.
Running gateways pick up a change within seconds.

Run 'wabaguard content SUBCOMMAND --help' for a subcommand's flags.
`

// contentStdin is what train reads for FILE "-" (tests replace it).
var contentStdin io.Reader = os.Stdin

func runContent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, contentUsage)
		return usagef("content", "a subcommand is required")
	}
	switch args[0] {
	case "train":
		return runContentTrain(ctx, args[1:], stdout)
	case "models":
		return runContentModels(ctx, args[1:], stdout)
	case "activate":
		return runContentActivate(ctx, args[1:], stdout)
	case "rollback":
		return runContentRollback(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, contentUsage)
		return nil
	default:
		fmt.Fprint(stderr, contentUsage)
		return usagef("content", "unknown subcommand %q", args[0])
	}
}

// contentRegistry opens the store from the configuration and a registry
// over it, checking that the tenant exists.
func contentRegistry(ctx context.Context, co configOpts, tenant string) (*classifier.Registry, func(), error) {
	cfg, err := co.load()
	if err != nil {
		return nil, nil, err
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if _, err := st.GetTenant(ctx, tenant); err != nil {
		st.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, fmt.Errorf("tenant %s: %w", tenant, store.ErrNotFound)
		}
		return nil, nil, err
	}
	return classifier.NewRegistry(st, slog.New(slog.DiscardHandler)), func() { st.Close() }, nil
}

func runContentTrain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("content train", "--tenant ID FILE [flags]",
		`Train a new content classifier for a tenant from the built-in data plus
FILE, and make it the active one. Every line of FILE is checked first; a
file with any bad line trains nothing.`, stdout)
	tenant := fs.String("tenant", "", "the tenant whose model this is")
	co := configFlags(fs.FlagSet)
	if err := fs.parse(args, 1, 1); err != nil {
		return err
	}
	if *tenant == "" {
		return usagef("content train", "--tenant is required")
	}
	var in io.Reader = contentStdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("content train: %w", err)
		}
		defer f.Close()
		in = f
	}
	examples, err := classifier.ParseTrainingFile(in)
	if err != nil {
		return fmt.Errorf("content train: %w; nothing was trained", err)
	}
	reg, done, err := contentRegistry(ctx, co, *tenant)
	if err != nil {
		return fmt.Errorf("content train: %w", err)
	}
	defer done()
	tr, err := reg.Train(ctx, *tenant, examples)
	if err != nil {
		return fmt.Errorf("content train: %w", err)
	}
	fmt.Fprintf(stdout, "trained %s (version %d, active) from %d examples of the tenant, %d in all\n",
		tr.Name, tr.Version, tr.TenantRows, tr.TrainingRows)
	return writeFigures(stdout, tr.HeldOut.Summary())
}

// writeFigures prints held-out figures as a table.
func writeFigures(w io.Writer, s classifier.Summary) error {
	if s.N == 0 {
		fmt.Fprintln(w, "held out: no example of the file fell in the held-out part (one in five), so there are no figures")
		return nil
	}
	fmt.Fprintf(w, "held out: %d examples of the file, never trained on; accuracy %s\n", s.N, ratio(s.Accuracy))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LANG\tLABEL\tEXAMPLES\tPRECISION\tRECALL")
	for _, l := range s.Labels {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.Lang, l.Label, l.Support, ratio(l.Precision), ratio(l.Recall))
	}
	return tw.Flush()
}

func ratio(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100**v)
}

func runContentModels(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("content models", "--tenant ID [flags]", "List a tenant's content classifier versions, newest first.", stdout)
	tenant := fs.String("tenant", "", "the tenant")
	co := configFlags(fs.FlagSet)
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	if *tenant == "" {
		return usagef("content models", "--tenant is required")
	}
	reg, done, err := contentRegistry(ctx, co, *tenant)
	if err != nil {
		return fmt.Errorf("content models: %w", err)
	}
	defer done()
	ms, err := reg.Models(ctx, *tenant)
	if err != nil {
		return err
	}
	serving := reg.BuiltinName()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tACTIVE\tCREATED\tTENANT ROWS\tHELD OUT\tACCURACY")
	for _, m := range ms {
		name := classifier.ModelName(m.TenantID, m.Version)
		active := ""
		if m.Active {
			active, serving = "yes", name
		}
		var acc *float64
		n := 0
		if ev, err := classifier.DecodeEvaluation(m.HeldOut); err == nil {
			s := ev.Summary()
			acc, n = s.Accuracy, s.N
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\n", m.Version, name, active, m.CreatedAt.Format(time.RFC3339), m.TenantRows, n, ratio(acc))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving: %s\n", serving)
	return nil
}

func runContentActivate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("content activate", "--tenant ID VERSION [flags]",
		"Make VERSION the tenant's active content classifier; 0 is the built-in model.", stdout)
	tenant := fs.String("tenant", "", "the tenant")
	co := configFlags(fs.FlagSet)
	if err := fs.parse(args, 1, 1); err != nil {
		return err
	}
	if *tenant == "" {
		return usagef("content activate", "--tenant is required")
	}
	v, err := strconv.Atoi(fs.Arg(0))
	if err != nil || v < 0 {
		return usagef("content activate", "VERSION %q is not a version number (0 for the built-in model)", fs.Arg(0))
	}
	reg, done, err := contentRegistry(ctx, co, *tenant)
	if err != nil {
		return fmt.Errorf("content activate: %w", err)
	}
	defer done()
	if err := reg.Activate(ctx, *tenant, v); err != nil {
		return fmt.Errorf("content activate: %w", err)
	}
	fmt.Fprintf(stdout, "tenant %s now uses %s\n", *tenant, activeName(reg, *tenant, v))
	return nil
}

func runContentRollback(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("content rollback", "--tenant ID [flags]",
		"Go back to the version before the tenant's active content classifier (from version 1, to the built-in model).", stdout)
	tenant := fs.String("tenant", "", "the tenant")
	co := configFlags(fs.FlagSet)
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	if *tenant == "" {
		return usagef("content rollback", "--tenant is required")
	}
	reg, done, err := contentRegistry(ctx, co, *tenant)
	if err != nil {
		return fmt.Errorf("content rollback: %w", err)
	}
	defer done()
	v, err := reg.Rollback(ctx, *tenant)
	if err != nil {
		return fmt.Errorf("content rollback: %w", err)
	}
	fmt.Fprintf(stdout, "tenant %s rolled back to %s\n", *tenant, activeName(reg, *tenant, v))
	return nil
}

func activeName(reg *classifier.Registry, tenant string, v int) string {
	if v == 0 {
		return "the built-in model " + reg.BuiltinName()
	}
	return classifier.ModelName(tenant, v)
}
