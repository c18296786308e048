package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/server"
)

const sendersUsage = "usage: wabaguard senders list [--config FILE] | wabaguard senders resume --phone-number-id ID [--config FILE]"

// runSenders lists senders with their state, or resumes a stopped one.
func runSenders(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(sendersUsage)
	}
	fs := flag.NewFlagSet("senders "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var pnid *string
	switch args[0] {
	case "list":
	case "resume":
		pnid = fs.String("phone-number-id", "", "the sender to resume")
	default:
		return errors.New(sendersUsage)
	}
	cfg, err := loadConfig(fs, args[1:])
	if err != nil {
		return err
	}
	if pnid != nil && *pnid == "" {
		return errors.New("--phone-number-id is required")
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if pnid != nil {
		s, err := dispatch.Resume(ctx, st, *pnid, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sender %s resumed (was stopped since %s: %s); its queued messages go out within a few seconds\n",
			s.PhoneNumberID, s.StateChangedAt.UTC().Format(time.RFC3339), s.StateReason)
		return nil
	}
	senders, err := st.ListSenders(ctx)
	if err != nil {
		return err
	}
	depth, err := st.QueueDepth(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PHONE_NUMBER_ID\tTENANT\tSTATE\tQUEUED\tSINCE\tREASON")
	for _, s := range senders {
		since := ""
		if !s.StateChangedAt.IsZero() {
			since = s.StateChangedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.PhoneNumberID, s.TenantID, s.State, depth[s.PhoneNumberID], since, s.StateReason)
	}
	return tw.Flush()
}
