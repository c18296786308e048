package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/server"
)

func content(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	return runWithStdin(t, &contentStdin, stdin, "content", args...)
}

// runWithStdin runs one command with *in reading stdin, restoring it after,
// and returns what it printed on both outputs.
func runWithStdin(t *testing.T, in *io.Reader, stdin, cmd string, args ...string) (string, error) {
	t.Helper()
	old := *in
	*in = strings.NewReader(stdin)
	defer func() { *in = old }()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{cmd}, args...), &out, &errb)
	return out.String() + errb.String(), err
}

// TestContentTrainActivateRollback runs a tenant's classifier lifecycle
// from the command line against a real SQLite file.
func TestContentTrainActivateRollback(t *testing.T) {
	cfgPath, cfg := keysEnv(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "labelled.csv")
	var b strings.Builder
	b.WriteString("text,label,lang\n")
	for i := range 10 {
		b.WriteString(`"Your parcel ` + string(rune('A'+i)) + ` was delivered today, thank you for shopping with us",ham,en` + "\n")
	}
	if err := os.WriteFile(good, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"text":"ok","label":"ham"}`+"\n"+`{"text":"x","label":"fraud"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := []string{"--config", cfgPath, "--tenant", "acme"}
	cases := []struct {
		name, stdin string
		args        []string
		exit        int
		out         string
	}{
		{"models before", "", append([]string{"models"}, c...), 0, "serving: builtin-"},
		{"rollback with nothing", "", append([]string{"rollback"}, c...), 1, "nothing to roll back"},
		{"train", "", append(append([]string{"train"}, c...), good), 0, "trained acme-v1 (version 1, active) from 10 examples"},
		{"train from stdin", `{"text":"Seu pedido saiu para entrega","label":"ham","lang":"pt-BR"}`, append(append([]string{"train"}, c...), "-"), 0, "trained acme-v2"},
		{"bad file trains nothing", "", append(append([]string{"train"}, c...), bad), 1, `line 2: label: "fraud"`},
		{"missing file", "", append(append([]string{"train"}, c...), filepath.Join(dir, "nope")), 1, "no such file"},
		{"unknown tenant", "", []string{"train", "--config", cfgPath, "--tenant", "nope", good}, 1, "tenant nope"},
		{"models", "", append([]string{"models"}, c...), 0, "serving: acme-v2"},
		{"rollback", "", append([]string{"rollback"}, c...), 0, "rolled back to acme-v1"},
		{"activate 2", "", append(append([]string{"activate"}, c...), "2"), 0, "now uses acme-v2"},
		{"activate unknown", "", append(append([]string{"activate"}, c...), "7"), 1, "not found"},
		{"activate not a number", "", append(append([]string{"activate"}, c...), "two"), 2, "not a version number"},
		{"activate built-in", "", append(append([]string{"activate"}, c...), "0"), 0, "the built-in model builtin-"},
		{"no tenant", "", []string{"models", "--config", cfgPath}, 2, "--tenant is required"},
		{"no file", "", append([]string{"train"}, c...), 2, "missing argument"},
		{"help", "", []string{"train", "--help"}, 0, "FILE"},
		{"unknown subcommand", "", []string{"delete"}, 2, "unknown subcommand"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := content(t, tc.stdin, tc.args...)
			if got := exitCode(err); got != tc.exit {
				t.Fatalf("exit %d (%v), want %d; output %q", got, err, tc.exit, out)
			}
			msg := out
			if err != nil {
				msg += err.Error()
			}
			if !strings.Contains(msg, tc.out) {
				t.Errorf("output %q, want %q in it", msg, tc.out)
			}
		})
	}
	st, err := server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, err := st.ListContentModels(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Active || ms[1].Active {
		t.Errorf("stored models %+v: want two, none active (built-in)", ms)
	}
}
