package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/server"
)

type checkSend struct {
	config, tenant, sender, lang, body string
	json                               bool
}

// runCheckSend decides on one send request with the intake's Evaluate.
func runCheckSend(c checkSend, stdin io.Reader, stdout, stderr io.Writer) error {
	if c.tenant == "" || c.sender == "" {
		fmt.Fprintln(stderr, "wabaguard check --send: --tenant and --sender are required")
		return exitStatus(exitUsage)
	}
	body := []byte(c.body)
	if c.body == "" {
		b, err := io.ReadAll(io.LimitReader(stdin, maxCheckInput+1))
		if err != nil {
			return fmt.Errorf("check: read stdin: %w", err)
		}
		if len(b) > maxCheckInput {
			return fmt.Errorf("check: stdin holds more than %d bytes; give one send request", maxCheckInput)
		}
		body = b
	}
	cfg, err := config.Load(c.config, os.Getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := server.NewIntake(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer svc.Close()
	lang := refusal.Negotiate(c.lang)
	d, m, err := svc.Evaluate(ctx, intake.Request{TenantID: c.tenant, PhoneNumberID: c.sender, Body: body, Lang: lang})
	if err != nil {
		return err
	}
	refused := d.Outcome == policy.Reject
	if c.json {
		out := struct {
			Outcome string `json:"outcome"`
			Rule    string `json:"rule,omitempty"`
			Code    string `json:"code,omitempty"`
			WaID    string `json:"wa_id,omitempty"`
			Error   any    `json:"error,omitempty"`
		}{Outcome: d.Outcome.String(), Rule: d.Rule, Code: d.Code, WaID: m.WaID}
		if refused && d.Err != nil {
			out.Error = d.Err
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "outcome:  %s\n", d.Outcome)
		if m.WaID != "" {
			fmt.Fprintf(stdout, "wa_id:    %s\n", m.WaID)
		}
		if d.Outcome != policy.Allow {
			fmt.Fprintf(stdout, "rule:     %s\ncode:     %s\n", d.Rule, d.Code)
		}
		if refused && d.Err != nil {
			fmt.Fprintf(stdout, "error:    %s\ndetails:  %s\n", d.Err.Message, d.Err.Details())
		}
	}
	if refused {
		return exitStatus(exitRefused)
	}
	return nil
}
