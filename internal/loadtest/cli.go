package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
)

const usage = `usage: wabaguard bench <command> [flags]

commands:
  send       send Meta-shaped messages to a Graph-compatible endpoint
  webhooks   post signed Meta status notifications to a webhook endpoint
  compare    run send against a target and a baseline, report both and the ratio

Run "wabaguard bench <command> -h" for the flags of a command.
`

// Main runs `bench <command> [flags]`: args starts with the command (send,
// webhooks or compare). Reports go to stdout, as text or, with --json, as
// one JSON object. It returns flag.ErrHelp (wrapped) when help was asked
// for, and an error for bad flags, a canceled ctx or an unreachable target.
func Main(ctx context.Context, args []string, stdout io.Writer) error {
	return Run(ctx, args, stdout, nil)
}

// Run is Main with progress lines (see -progress) written to stderr; a nil
// stderr prints none.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		_, _ = io.WriteString(stdout, usage)
		return &UsageError{Err: errors.New("bench: missing command")}
	}
	switch args[0] {
	case "send":
		return mainSend(ctx, args[1:], stdout, stderr)
	case "webhooks":
		return mainWebhooks(ctx, args[1:], stdout, stderr)
	case "compare":
		return mainCompare(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		_, _ = io.WriteString(stdout, usage)
		return flag.ErrHelp
	default:
		_, _ = io.WriteString(stdout, usage)
		return &UsageError{Err: fmt.Errorf("bench: unknown command %q", args[0])}
	}
}

// UsageError is a mistake on the command line (unknown flag or command, bad
// value, extra argument), as opposed to a failed run.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// about describes each command in its help.
var about = map[string]string{
	"send":     "Send Meta-shaped messages to a Graph-compatible endpoint (the gateway or the simulator)\nand report throughput, latency percentiles and errors by status and Graph code.",
	"webhooks": "Post signed Meta status notifications to a webhook endpoint and report how fast\nthey are accepted.",
	"compare":  "Run the same send load against a target and a baseline (e.g. the gateway and the\nsimulator behind it) and report both and their ratio.",
}

func newFlagSet(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bench "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nUsage:\n  wabaguard bench %s [flags]\n\nFlags (-flag and --flag are the same):\n", about[name], name)
		fs.PrintDefaults()
	}
	return fs
}

// progressFlag registers -progress; the run's lines go to stderr.
func progressFlag(fs *flag.FlagSet, p *Progress, stderr io.Writer) {
	fs.DurationVar(&p.Every, "progress", DefaultProgressEvery, "print a progress line to stderr this often while running (0: never)")
	p.W = stderr
}

// sendFlags registers the flags of one send target; prefix distinguishes
// the baseline's in compare.
func sendFlags(fs *flag.FlagSet, cfg *SendConfig, prefix string) {
	fs.StringVar(&cfg.BaseURL, prefix+"url", "", "base URL of the Graph-compatible API, e.g. http://127.0.0.1:8080")
	fs.StringVar(&cfg.Token, prefix+"token", "", "access token, sent as Bearer")
	fs.StringVar(&cfg.PhoneNumberID, prefix+"phone-number-id", "", "sender phone number id")
	fs.StringVar(&cfg.Version, prefix+"version", DefaultVersion, "Graph API version path segment")
}

// shapeFlags registers the flags that shape a send run.
func shapeFlags(fs *flag.FlagSet, cfg *SendConfig) {
	fs.IntVar(&cfg.N, "n", 0, "total requests (required)")
	fs.IntVar(&cfg.Concurrency, "c", 1, "concurrent requests (and keep-alive connections)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "fixed arrival rate in requests/s (open loop); 0 = as fast as -c allows")
	fs.DurationVar(&cfg.Duration, "duration", DefaultDuration, "stop starting requests after this long")
	fs.IntVar(&cfg.Recipients, "recipients", DefaultRecipients, "distinct recipients to cycle (+55 11 9xxxx-xxxx)")
	fs.IntVar(&cfg.FirstRecipient, "first-recipient", 0, "index in that cycle of the first request's recipient (give each sender its own slice)")
	fs.StringVar(&cfg.Type, "type", "text", "message type: text or template")
	fs.StringVar(&cfg.TemplateName, "template-name", "hello_world", "template name for --type template")
	fs.StringVar(&cfg.TemplateLanguage, "template-language", "en_US", "template language for --type template")
	fs.DurationVar(&cfg.RequestTimeout, "timeout", DefaultRequestTimeout, "timeout of each request")
}

// parse parses args: help goes to the flag set's output, a mistake comes
// back as one UsageError line instead of the whole help.
func parse(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	if err != nil {
		return &UsageError{Err: fmt.Errorf("%s: %w", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return &UsageError{Err: fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// output prints v as JSON or as text, then passes on runErr. v is non-nil.
func output(stdout io.Writer, asJSON bool, v interface{ WriteText(io.Writer) error }, runErr error) error {
	var err error
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err = enc.Encode(v); err != nil {
			err = fmt.Errorf("bench: write json: %w", err)
		}
	} else {
		err = v.WriteText(stdout)
	}
	return errors.Join(runErr, err)
}

func mainSend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("send", stdout)
	var cfg SendConfig
	sendFlags(fs, &cfg, "")
	shapeFlags(fs, &cfg)
	progressFlag(fs, &cfg.Progress, stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	r, err := RunSend(ctx, cfg)
	if r == nil {
		return err
	}
	return output(stdout, *asJSON, r, err)
}

func mainCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", stdout)
	var target, baseline SendConfig
	sendFlags(fs, &target, "")
	sendFlags(fs, &baseline, "baseline-")
	shapeFlags(fs, &target)
	progressFlag(fs, &target.Progress, stderr)
	asJSON := fs.Bool("json", false, "print the comparison as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	// The baseline runs the same shape; only where it goes and how it
	// authenticates differ, and by default it is the target's sender.
	shape := target
	shape.BaseURL, shape.Token, shape.PhoneNumberID, shape.Version =
		baseline.BaseURL, baseline.Token, baseline.PhoneNumberID, baseline.Version
	if shape.Token == "" {
		shape.Token = target.Token
	}
	if shape.PhoneNumberID == "" {
		shape.PhoneNumberID = target.PhoneNumberID
	}
	c, err := RunCompare(ctx, target, shape)
	if c == nil {
		return err
	}
	return output(stdout, *asJSON, c, err)
}

func mainWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("webhooks", stdout)
	var cfg WebhookConfig
	fs.StringVar(&cfg.URL, "url", "", "the gateway's Meta webhook endpoint, e.g. http://127.0.0.1:8080/webhooks/meta")
	fs.StringVar(&cfg.AppSecret, "app-secret", "", "app secret that signs each body (X-Hub-Signature-256)")
	fs.StringVar(&cfg.PhoneNumberID, "phone-number-id", "", "phone number id in the notification metadata")
	fs.StringVar(&cfg.WABAID, "waba-id", "", "WhatsApp Business Account id of the entry")
	fs.StringVar(&cfg.DisplayPhoneNumber, "display-phone-number", "", "display phone number in the metadata")
	fs.IntVar(&cfg.N, "n", 0, "total statuses (required)")
	fs.IntVar(&cfg.Concurrency, "c", 1, "concurrent POSTs (and keep-alive connections)")
	fs.IntVar(&cfg.PerPost, "per-post", 1, "statuses per POST")
	idsFile := fs.String("ids-file", "", "file of message ids to reference, one per line (default: synthetic ids)")
	fs.StringVar(&cfg.Status, "status", "delivered", "status to report: sent, delivered or read")
	fs.IntVar(&cfg.Recipients, "recipients", DefaultRecipients, "distinct recipient ids to cycle")
	fs.Float64Var(&cfg.Rate, "rate", 0, "fixed arrival rate in POSTs/s (open loop); 0 = as fast as -c allows")
	fs.DurationVar(&cfg.Duration, "duration", DefaultDuration, "stop starting POSTs after this long")
	fs.DurationVar(&cfg.RequestTimeout, "timeout", DefaultRequestTimeout, "timeout of each request")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	progressFlag(fs, &cfg.Progress, stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *idsFile != "" {
		ids, err := ReadIDs(*idsFile)
		if err != nil {
			return err
		}
		cfg.IDs = ids
	}
	r, err := RunWebhooks(ctx, cfg)
	if r == nil {
		return err
	}
	return output(stdout, *asJSON, r, err)
}
