package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/templatelint"
)

// Exit statuses of `wabaguard check --template`: 0 clean or warnings only,
// exitRefused (5) on a block, as check --send on a refusal.
const (
	// exitInvalid: the file cannot be read or holds no valid creation
	// request.
	exitInvalid = 1
)

// maxTemplateInput bounds the template read; a creation request is a few
// kilobytes.
const maxTemplateInput = 256 << 10

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runCheckTemplate lints one template creation request from path ("-" for
// stdin) and prints the findings in lang.
func runCheckTemplate(path, langArg string, asJSON bool, stdin io.Reader, stdout, stderr io.Writer) error {
	lang := refusal.Negotiate(langArg)
	body, err := readTemplate(path, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "wabaguard check --template:", err)
		return exitStatus(exitInvalid)
	}
	report, err := server.OfflineTemplateLinter().Lint(context.Background(), "", body)
	if err != nil {
		var fe *templatelint.FieldError
		if !errors.As(err, &fe) {
			return err
		}
		if asJSON {
			if err := writeJSON(stdout, map[string]any{"verdict": "invalid", "error": map[string]string{"field": fe.Field, "reason": fe.Reason}}); err != nil {
				return err
			}
		} else {
			fmt.Fprintln(stderr, "wabaguard check --template:", fe)
		}
		return exitStatus(exitInvalid)
	}
	verdict := "clean"
	switch {
	case report.Blocked():
		verdict = "block"
	case len(report.Findings) > 0:
		verdict = "warn"
	}
	if asJSON {
		if err := writeJSON(stdout, struct {
			Verdict  string                   `json:"verdict"`
			Findings []templatelint.Localized `json:"findings"`
		}{verdict, report.Localize(lang)}); err != nil {
			return err
		}
	} else {
		blocks := len(report.Findings) - len(report.Warnings())
		fmt.Fprintf(stdout, "verdict:  %s\nblocks:   %d\nwarnings: %d\n", verdict, blocks, len(report.Warnings()))
		for _, f := range report.Localize(lang) {
			fmt.Fprintf(stdout, "\n%-5s %s  %s\n      %s\n      fix: %s\n", f.Severity, f.Code, f.Field, f.Message, f.Fix)
		}
	}
	if report.Blocked() {
		return exitStatus(exitRefused)
	}
	return nil
}

func readTemplate(path string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	name := "stdin"
	if path != "-" {
		name = path
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxTemplateInput+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxTemplateInput {
		return nil, fmt.Errorf("%s holds more than %d bytes; give one template", name, maxTemplateInput)
	}
	return b, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
