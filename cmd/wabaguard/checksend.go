package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
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

// contentFinding is one content finding as check --send reports it, with
// the action the tenant's settings give it.
type contentFinding struct {
	Layer    string   `json:"layer"`
	Category string   `json:"category"`
	Action   string   `json:"action"`
	Severity string   `json:"severity"`
	Words    []string `json:"words"`
	Hint     string   `json:"hint"`
	Score    float64  `json:"score,omitempty"`
	Model    string   `json:"model,omitempty"`
}

// contentFindings lists what the content checker found in the message,
// off categories included (marked off): the point of check is to see it.
func contentFindings(cfg config.Config, tenantID string, lang refusal.Lang, m *policy.Message) ([]contentFinding, error) {
	if m == nil || m.Facts.Content == nil {
		return nil, nil
	}
	actions, err := cfg.ContentActionsFor(tenantID)
	if err != nil {
		return nil, err
	}
	var out []contentFinding
	for _, f := range m.Facts.Content.Findings {
		out = append(out, contentFinding{Layer: string(f.Layer), Category: string(f.Category), Action: string(actions.For(f.Category)),
			Severity: string(f.Severity), Words: f.Words, Hint: f.Hint.In(lang), Score: f.Score, Model: f.Model})
	}
	return out, nil
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
	findings, err := contentFindings(cfg, c.tenant, lang, m)
	if err != nil {
		return err
	}
	if c.json {
		out := struct {
			Outcome  string           `json:"outcome"`
			Rule     string           `json:"rule,omitempty"`
			Code     string           `json:"code,omitempty"`
			Reason   string           `json:"reason,omitempty"`
			WaID     string           `json:"wa_id,omitempty"`
			Error    any              `json:"error,omitempty"`
			Findings []contentFinding `json:"content_findings,omitempty"`
		}{Outcome: d.Outcome.String(), Rule: d.Rule, Code: d.Code, WaID: m.WaID, Findings: findings}
		if d.Outcome == policy.Warn {
			out.Reason = d.Reason
		}
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
		if d.Outcome == policy.Warn {
			fmt.Fprintf(stdout, "reason:   %s\n", d.Reason)
		}
		if refused && d.Err != nil {
			fmt.Fprintf(stdout, "error:    %s\ndetails:  %s\n", d.Err.Message, d.Err.Details())
		}
		if len(findings) > 0 {
			fmt.Fprintln(stdout, "content:")
			for _, f := range findings {
				fmt.Fprintf(stdout, "  %-5s  %s  [%s]", f.Action, f.Category, strings.Join(f.Words, ", "))
				if f.Model != "" {
					fmt.Fprintf(stdout, "  score %.2f, model %s", f.Score, f.Model)
				}
				fmt.Fprintf(stdout, "\n         %s\n", f.Hint)
			}
		}
	}
	if refused {
		return exitStatus(exitRefused)
	}
	return nil
}
