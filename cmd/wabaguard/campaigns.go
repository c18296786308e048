package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/wabaguard/wabaguard/internal/campaign"
	"github.com/wabaguard/wabaguard/internal/server"
)

const campaignsUsage = `usage: wabaguard campaigns list --tenant T [--config FILE]
       wabaguard campaigns show|stats|pause|resume|cancel --tenant T --id ID [--reason TEXT] [--config FILE]
(create, pre-flight and start go through POST /api/v1/campaigns…, which run the server's rules)`

// runCampaigns lists a tenant's campaigns, shows one or its stats, and
// pauses, resumes or cancels it in the store; a running server sees the
// change at its next round (within a second).
func runCampaigns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(campaignsUsage)
	}
	verb := args[0]
	fs := flag.NewFlagSet("campaigns "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "the tenant")
	var id, reason *string
	switch verb {
	case "list":
	case "show", "stats", "resume", "cancel":
		id = fs.String("id", "", "the campaign")
	case "pause":
		id = fs.String("id", "", "the campaign")
		reason = fs.String("reason", "", "why (shown in the campaign's state_reason)")
	default:
		return errors.New(campaignsUsage)
	}
	cfg, err := loadConfig(fs, args[1:])
	if err != nil {
		return err
	}
	if *tenant == "" {
		return errors.New("--tenant is required")
	}
	if id != nil && *id == "" {
		return errors.New("--id is required")
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := campaign.New(campaign.Config{Store: st})
	if err != nil {
		return err
	}
	if verb == "list" {
		list, err := svc.List(ctx, *tenant)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATE\tTEMPLATE\tAUDIENCE\tTARGETED\tACCEPTED\tREASON")
		for _, c := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s/%s\t%s\t%d\t%d\t%s\n", c.ID, c.State, c.TemplateName, c.TemplateLanguage, c.AudienceID, c.Targeted, c.Accepted, c.StateReason)
		}
		return tw.Flush()
	}
	var v any
	switch verb {
	case "show":
		v, err = svc.Get(ctx, *tenant, *id)
	case "stats":
		v, err = svc.Stats(ctx, *tenant, *id)
	case "pause":
		v, err = svc.Pause(ctx, *tenant, *id, *reason)
	case "resume":
		v, err = svc.Resume(ctx, *tenant, *id)
	case "cancel":
		v, err = svc.Cancel(ctx, *tenant, *id)
	}
	if err != nil {
		return fmt.Errorf("campaign %s: %w", *id, err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
