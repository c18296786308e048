package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/store"
)

const appealUsage = `Usage:
  wabaguard appeal --sender PHONE_NUMBER_ID [--from T --to T | --incident ID]
                   [--format html|pdf|json] [--lang pt-BR|en|es] --out FILE [--config FILE]

Writes the appeal dossier of a number: daily volumes by category against the
messaging limit, the share of recipients with a verified opt-in, how opt-outs
were honoured, failure codes, templates and their quality history, content
checks, the gateway's actions and Meta's events, what data is missing, and a
drafted appeal in pt-BR, en and es with Meta's appeal path. The window is the
30 days up to now unless --from/--to (RFC 3339 or YYYY-MM-DD, UTC) say
otherwise. --format defaults to the extension of --out (html otherwise);
--out - writes to stdout. See docs/appeal.md.
`

func runAppeal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cf := newConsentFlags("", "", stdout, stderr)
	cf.FlagSet.Init("appeal", cf.ErrorHandling())
	cf.Usage = func() { fmt.Fprint(cf.Output(), appealUsage, "\nFlags:\n"); cf.PrintDefaults() }
	sender := cf.String("sender", "", "the sender's phone_number_id")
	from := cf.String("from", "", "start of the window (RFC 3339 or YYYY-MM-DD)")
	to := cf.String("to", "", "end of the window, exclusive (RFC 3339 or YYYY-MM-DD)")
	incident := cf.String("incident", "", "an incident's id instead of a window")
	format := cf.String("format", "", "html, pdf or json (default: from --out's extension)")
	lang := cf.String("lang", appeal.Langs[0], "language of the headings: pt-BR, en or es")
	out := cf.String("out", "", "file to write (- for stdout)")
	if done, err := cf.parse(args); done || err != nil {
		return err
	}
	if *cf.tenant != "" {
		return errors.New("appeal: the tenant is the sender's: give --sender only")
	}
	if *sender == "" && *incident == "" {
		return errors.New("appeal: --sender is required")
	}
	if *incident != "" && (*from != "" || *to != "") {
		return errors.New("appeal: --incident brings its own window: leave out --from and --to")
	}
	if *out == "" {
		return errors.New("appeal: --out is required")
	}
	if *format == "" {
		*format = strings.TrimPrefix(filepath.Ext(*out), ".")
		if !appeal.ValidFormat(*format) {
			*format = appeal.FormatHTML
		}
	}
	if !appeal.ValidFormat(*format) {
		return fmt.Errorf("appeal: --format %q: must be html, pdf or json", *format)
	}
	if !appeal.ValidLang(*lang) {
		return fmt.Errorf("appeal: --lang %q: must be pt-BR, en or es", *lang)
	}
	req := appeal.Request{SenderID: *sender, IncidentID: *incident, Now: time.Now()}
	var err error
	if req.From, err = parseWhen("from", *from); err != nil {
		return err
	}
	if req.To, err = parseWhen("to", *to); err != nil {
		return err
	}
	l, st, err := cf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if *sender != "" {
		snd, err := st.GetSender(ctx, *sender)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("appeal: no sender %q", *sender)
		}
		if err != nil {
			return err
		}
		req.TenantID = snd.TenantID
	}
	// Incidents come with the risk engine; until then --incident says
	// they are not available.
	d, err := (&appeal.Builder{Store: st, Ledger: l}).Build(ctx, req)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := appeal.Write(&buf, d, *format, *lang); err != nil {
		return err
	}
	if *out == "-" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("appeal: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%s, %d bytes): %d messages sent, %d missing-data notes\n", *out, *format, buf.Len(), d.Totals.Sent, len(d.Missing))
	return nil
}

// parseWhen reads a time flag: RFC 3339, or a UTC day.
func parseWhen(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("appeal: --%s %q: want RFC 3339 (2026-11-01T00:00:00Z) or a day (2026-11-01)", name, v)
}
