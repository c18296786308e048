package main

import (
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/ui"
)

func users(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	return runWithStdin(t, &usersStdin, stdin, "users", args...)
}

// TestUsersCreate creates dashboard users from the command line against a
// real SQLite file: the password comes from stdin and is stored hashed.
func TestUsersCreate(t *testing.T) {
	cfgPath, cfg := keysEnv(t)
	const pw = "a long enough password"
	cases := []struct {
		name, stdin string
		args        []string
		exit        int
		out         string
	}{
		{"admin", pw + "\n", []string{"create", "--config", cfgPath, "--tenant", "acme", "--email", "Ana@Acme.example", "--role", "admin"}, 0, "created admin user ana@acme.example"},
		{"viewer without a newline", pw, []string{"create", "--config", cfgPath, "--tenant", "acme", "--email", "vic@acme.example", "--role", "viewer"}, 0, "created viewer user"},
		{"taken email", pw + "\n", []string{"create", "--config", cfgPath, "--tenant", "acme", "--email", "ana@acme.example", "--role", "viewer"}, 1, "already exists"},
		{"unknown tenant", pw + "\n", []string{"create", "--config", cfgPath, "--tenant", "nope", "--email", "x@acme.example", "--role", "admin"}, 1, "not found"},
		{"short password", "short\n", []string{"create", "--config", cfgPath, "--tenant", "acme", "--email", "y@acme.example", "--role", "admin"}, 1, "at least 12"},
		{"no password", "", []string{"create", "--config", cfgPath, "--tenant", "acme", "--email", "z@acme.example", "--role", "admin"}, 2, "no password"},
		{"bad role", pw, []string{"create", "--config", cfgPath, "--tenant", "acme", "--email", "z@acme.example", "--role", "root"}, 2, "not admin or viewer"},
		{"bad email", pw, []string{"create", "--config", cfgPath, "--tenant", "acme", "--email", "not-an-email", "--role", "admin"}, 2, "not an email"},
		{"missing flags", pw, []string{"create", "--config", cfgPath}, 2, "required"},
		{"unknown flag", pw, []string{"create", "--bogus"}, 2, "bogus"},
		{"help", "", []string{"create", "--help"}, 0, "standard input"},
		{"unknown subcommand", "", []string{"delete"}, 2, "unknown subcommand"},
		{"list", "", []string{"list", "--config", cfgPath, "--tenant", "acme"}, 0, "vic@acme.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := users(t, tc.stdin, tc.args...)
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
			if strings.Contains(out, pw) {
				t.Error("the password was printed")
			}
		})
	}
	st, err := server.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByEmail(t.Context(), "ana@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if u.TenantID != "acme" || u.Role != store.RoleAdmin || strings.Contains(u.PasswordHash, pw) {
		t.Errorf("stored user %+v", u)
	}
	if ok, err := ui.VerifyPassword(u.PasswordHash, pw); err != nil || !ok {
		t.Errorf("the stored hash does not verify the password: %v %v", ok, err)
	}
}
