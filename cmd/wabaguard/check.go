package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/optout"
)

// Exit statuses of `wabaguard check --inbound`, so scripts can branch on
// the verdict without parsing the output.
const (
	exitNeither = 0
	exitUsage   = 2
	exitOptOut  = 3
	exitOptIn   = 4
)

// exitStatus is an error that ends the process with that status and no
// message of its own.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// maxCheckInput bounds what check reads from stdin; a WhatsApp text is at
// most 4,096 characters.
const maxCheckInput = 64 << 10

const checkUsage = `usage: wabaguard check --inbound [--tenant ID] [--config FILE] [--reply-to marketing|optin] [--json] [TEXT]
       wabaguard check --send --tenant ID --sender PHONE_NUMBER_ID [--lang pt-BR|en|es] [--config FILE] [--json] [BODY]
       wabaguard check --template FILE|- [--lang pt-BR|en|es] [--json]

--inbound reads one inbound text (TEXT, or stdin without it) and prints whether
it is an opt-out, an opt-in or neither. Exit status: 3 opt-out, 4 opt-in, 0
neither.

--send reads one Cloud API send request (BODY, or stdin without it) and runs it
through the same rules as a send, against the configured store (consent,
opt-outs, the window, templates), without sending or recording anything. It
prints the decision and, when refused, the Graph error a client would get.
Exit status: 0 would be accepted, 5 would be refused.

--template lints one template creation request (the JSON body of POST
/{waba_id}/message_templates) from FILE, or stdin with -, against Meta's format
rules and the category rules, as the gateway does before relaying it. It prints
every finding with its field, message and fix in --lang. Exit status: 0 clean or
warnings only, 5 at least one block (the gateway would refuse it), 1 the file
cannot be read or is not a valid creation request, 2 usage.
`

// exitRefused is the status of check --send for a message the gateway
// would refuse.
const exitRefused = 5

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, checkUsage); fs.PrintDefaults() }
	inbound := fs.Bool("inbound", false, "classify an inbound text")
	send := fs.Bool("send", false, "decide on an outgoing send request as the gateway would")
	sender := fs.String("sender", "", "with --send: the sending phone_number_id")
	lang := fs.String("lang", "pt-BR", "with --send and --template: language of the explanation (pt-BR, en, es)")
	tmpl := fs.String("template", "", "lint a template creation request from this file (- for stdin)")
	tenant := fs.String("tenant", "", "use this tenant's keyword lists (from --config)")
	path := fs.String("config", os.Getenv("WABAGUARD_CONFIG"), "JSON configuration file")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	replyTo := fs.String("reply-to", "", "the text answers a marketing message (marketing) or a consent question (optin)")
	// Flags may come after the text: parse, keep the first argument, repeat.
	var words []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return exitStatus(exitUsage)
		}
		if fs.NArg() == 0 {
			break
		}
		if i := len(rest) - fs.NArg() - 1; i >= 0 && rest[i] == "--" {
			words = append(words, fs.Args()...)
			break
		}
		words = append(words, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if n := btoi(*send) + btoi(*inbound) + btoi(*tmpl != ""); n != 1 {
		fmt.Fprintln(stderr, "wabaguard check: give exactly one of --inbound, --send or --template")
		return exitStatus(exitUsage)
	}
	if *tmpl != "" {
		if len(words) > 0 {
			fmt.Fprintln(stderr, "wabaguard check --template: the request comes from the file (or - for stdin), not from arguments")
			return exitStatus(exitUsage)
		}
		return runCheckTemplate(*tmpl, *lang, *asJSON, stdin, stdout, stderr)
	}
	if *send {
		return runCheckSend(checkSend{config: *path, tenant: *tenant, sender: *sender, lang: *lang, json: *asJSON, body: strings.Join(words, " ")}, stdin, stdout, stderr)
	}
	var ctx optout.Context
	switch *replyTo {
	case "":
	case "marketing":
		ctx.ReplyToMarketing = true
	case "optin", "optin_request":
		ctx.ReplyToOptInRequest = true
	default:
		fmt.Fprintf(stderr, "wabaguard check: --reply-to %q is not marketing or optin\n", *replyTo)
		return exitStatus(exitUsage)
	}
	m, err := checkMatcher(*path, *tenant)
	if err != nil {
		return err
	}
	text := strings.Join(words, " ")
	if len(words) == 0 {
		b, err := io.ReadAll(io.LimitReader(stdin, maxCheckInput+1))
		if err != nil {
			return fmt.Errorf("check: read stdin: %w", err)
		}
		if len(b) > maxCheckInput {
			return fmt.Errorf("check: stdin holds more than %d bytes; give one message", maxCheckInput)
		}
		text = strings.TrimRight(string(b), "\r\n")
	}
	res := m.MatchContext(text, ctx)
	if *asJSON {
		out := struct {
			Text string `json:"text"`
			optout.Match
		}{text, res}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "kind:     %s\n", res.Kind)
		if res.Kind != optout.KindNone {
			fmt.Fprintf(stdout, "scope:    %s\nphrase:   %s\nmatched:  %s\nlanguage: %s\nrule:     %s\nstrength: %s\n",
				res.Scope, res.Phrase, res.Matched, res.Language, res.RuleID, res.Strength)
		}
	}
	switch res.Kind {
	case optout.KindOptOut:
		return exitStatus(exitOptOut)
	case optout.KindOptIn:
		return exitStatus(exitOptIn)
	}
	return nil
}

// checkMatcher returns the default matcher, or a tenant's from the file.
func checkMatcher(path, tenant string) (*optout.Matcher, error) {
	if tenant == "" {
		return optout.Default(), nil
	}
	if path == "" {
		return nil, errors.New("check: --tenant needs --config (or WABAGUARD_CONFIG): tenants' lists live in the configuration file")
	}
	cfg, err := config.Load(path, os.Getenv)
	if err != nil {
		return nil, err
	}
	for _, t := range cfg.Tenants {
		if t.ID == tenant {
			m, err := optout.FromConfig(t.OptOut)
			if err != nil {
				return nil, fmt.Errorf("tenants %q: %w", tenant, err)
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("check: tenant %q is not in %s", tenant, path)
}
