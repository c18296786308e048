package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Every subcommand's --help exits 0 and explains each of its flags; none
// lists -listen unless it listens.
func TestSubcommandHelp(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		flags []string
	}{
		{[]string{"serve"}, []string{"-config", "-database", "-listen"}},
		{[]string{"sim"}, []string{"-listen", "-webhook-url", "-app-secret", "-tokens", "-seed", "-limits", "-throughput", "-numbers", "-sent-delay", "-delivered-delay", "-read-delay", "-reorder", "-duplicate", "-behaviour", "-consent-share", "-consented", "-quiet-hours", "-enforcement"}},
		{[]string{"sim", "say"}, []string{"-from", "-text", "-media", "-to", "-gateway", "-sim", "-timeout", "-json"}},
		{[]string{"migrate"}, []string{"-config", "-database", "-copy-from-sqlite"}},
		{[]string{"messages", "show"}, []string{"-config", "-database", "-json"}},
		{[]string{"bench", "send"}, []string{"-url", "-token", "-phone-number-id", "-n", "-c", "-rate", "-duration", "-progress", "-json"}},
		{[]string{"bench", "webhooks"}, []string{"-url", "-app-secret", "-n", "-per-post", "-progress", "-json"}},
		{[]string{"bench", "compare"}, []string{"-url", "-baseline-url", "-n", "-progress", "-json"}},
		{[]string{"bench", "sink"}, []string{"-listen", "-secret", "-expect", "-timeout"}},
		{[]string{"keys", "create"}, []string{"-tenant", "-config", "-expires"}},
		{[]string{"keys", "list"}, []string{"-tenant", "-config"}},
		{[]string{"keys", "revoke"}, []string{"-config"}},
		{[]string{"secrets", "rotate"}, []string{"-config", "-new-key-file"}},
	} {
		name := strings.Join(tc.args, " ")
		for _, h := range []string{"-h", "--help"} {
			t.Run(name+" "+h, func(t *testing.T) {
				var out, errOut bytes.Buffer
				err := run(context.Background(), append(append([]string(nil), tc.args...), h), &out, &errOut)
				if code := exitCode(err); code != 0 {
					t.Fatalf("exit %d (%v), want 0; stderr:\n%s", code, err, errOut.String())
				}
				help := out.String() + errOut.String()
				for _, f := range tc.flags {
					if !strings.Contains(help, "  "+f+" ") && !strings.Contains(help, "  "+f+"\n") {
						t.Errorf("help does not explain %s:\n%s", f, help)
					}
				}
				if listens := contains(tc.flags, "-listen"); !listens && strings.Contains(help, "-listen") {
					t.Errorf("help lists -listen, which %s does not use:\n%s", name, help)
				}
				if tc.args[0] != "keys" && tc.args[0] != "secrets" { // these keep their own help layout
					if !strings.Contains(out.String(), "Usage:\n  wabaguard "+name) || strings.Contains(help, "Usage of ") {
						t.Errorf("help lacks a description and usage line:\n%s", help)
					}
				}
			})
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// A usage mistake exits 2 with one line saying what is wrong and where the
// help is; help for the whole binary exits 0.
func TestUsageMistakesExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in stderr
		code int
	}{
		{nil, "a subcommand is required", 2},
		{[]string{"frobnicate"}, `unknown subcommand "frobnicate"`, 2},
		{[]string{"help"}, "", 0},
		{[]string{"--help"}, "", 0},
		{[]string{"serve", "--nope"}, "wabaguard: serve: flag provided but not defined: -nope\nRun 'wabaguard serve --help' for usage.", 2},
		{[]string{"serve", "extra"}, `serve: unexpected argument "extra"`, 2},
		{[]string{"migrate", "--listen", ":1"}, "migrate: flag provided but not defined: -listen", 2},
		{[]string{"sim", "--seed", "x"}, "sim: invalid value", 2},
		{[]string{"sim", "--behaviour", "--quiet-hours", "late"}, "sim: --quiet-hours", 2},
		{[]string{"sim", "say", "--text", "oi"}, "sim say: --from, and --text or --media, are required", 2},
		{[]string{"messages"}, "messages: unknown or missing command", 2},
		{[]string{"messages", "show"}, "messages show: missing argument", 2},
		{[]string{"messages", "show", "a", "b"}, `messages show: unexpected argument "b"`, 2},
		{[]string{"bench", "send", "--nope"}, "wabaguard: bench send: flag provided but not defined: -nope\nRun 'wabaguard bench send --help'", 2},
		{[]string{"bench", "frob"}, `unknown command "frob"`, 2},
		{[]string{"bench", "sink"}, "bench sink: --secret and --expect are required", 2},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			reportError(&errOut, err)
			if code := exitCode(err); code != tc.code {
				t.Fatalf("exit %d (%v), want %d", code, err, tc.code)
			}
			if !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut.String())
			}
			if tc.code == 2 && strings.Contains(errOut.String(), "Flags (") {
				t.Errorf("a mistake printed the whole help:\n%s", errOut.String())
			}
		})
	}
}
