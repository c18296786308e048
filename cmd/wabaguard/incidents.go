package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

const incidentsUsage = "usage: wabaguard incidents list [--tenant ID] [--phone-number-id ID] [--config FILE] | wabaguard incidents show --tenant ID INCIDENT_ID [--config FILE]"

// runIncidents lists incidents or shows one with its timeline.
func runIncidents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(incidentsUsage)
	}
	fs := flag.NewFlagSet("incidents "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "the tenant (list: every tenant when empty)")
	var pnid *string
	switch args[0] {
	case "list":
		pnid = fs.String("phone-number-id", "", "only this sender's incidents")
	case "show":
	default:
		return errors.New(incidentsUsage)
	}
	cfg, err := loadConfig(fs, args[1:])
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "show" {
		if *tenant == "" || fs.NArg() != 1 {
			return errors.New(incidentsUsage)
		}
		in, err := st.Incident(ctx, *tenant, fs.Arg(0))
		if err != nil {
			return fmt.Errorf("incident %s: %w", fs.Arg(0), err)
		}
		state := "open"
		if !in.Open() {
			state = "closed " + in.ClosedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%s  %s  sender %s  %s\n%s\nopened %s, %s\n\n", in.ID, in.Kind, in.PhoneNumberID, in.WABAID, in.Title,
			in.OpenedAt.UTC().Format(time.RFC3339), state)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AT\tKIND\tNAME\tDETAIL")
		for _, e := range in.Timeline {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.UTC().Format(time.RFC3339), e.Kind, e.Name, e.Detail)
			if len(e.Raw) > 0 {
				fmt.Fprintf(tw, "\t\t\t%s\n", e.Raw)
			}
		}
		return tw.Flush()
	}
	tenants := []string{*tenant}
	if *tenant == "" {
		all, err := st.ListTenants(ctx)
		if err != nil {
			return err
		}
		tenants = tenants[:0]
		for _, t := range all {
			tenants = append(tenants, t.ID)
		}
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTENANT\tSENDER\tKIND\tSTATE\tOPENED\tTITLE")
	for _, t := range tenants {
		list, err := st.Incidents(ctx, t, *pnid, 0)
		if err != nil {
			return err
		}
		for _, in := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.TenantID, in.PhoneNumberID, in.Kind, stateOf(in),
				in.OpenedAt.UTC().Format(time.RFC3339), in.Title)
		}
	}
	return tw.Flush()
}

func stateOf(in store.Incident) string {
	if in.Open() {
		return "open"
	}
	return "closed"
}
