package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/ui"
)

const usersUsage = `Usage:
  wabaguard users create --tenant ID --email EMAIL --role admin|viewer [--config FILE] < password
  wabaguard users list   [--tenant ID] [--config FILE]

Dashboard users (served under /ui). create reads the password from the
first line of standard input, so it stays out of the shell's history and
the process list; it is stored only as an argon2id hash. An admin may act
(erase a contact); a viewer only reads. Each user belongs to one tenant
and sees only its data.

Run 'wabaguard users SUBCOMMAND --help' for a subcommand's flags.
`

// usersStdin is where users create reads the password (tests replace it).
var usersStdin io.Reader = os.Stdin

func runUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return usagef("users", "a subcommand is required")
	}
	switch args[0] {
	case "create":
		return runUsersCreate(ctx, args[1:], stdout)
	case "list":
		return runUsersList(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usersUsage)
		return nil
	default:
		fmt.Fprint(stderr, usersUsage)
		return usagef("users", "unknown subcommand %q", args[0])
	}
}

func runUsersCreate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("users create", "--tenant ID --email EMAIL --role admin|viewer [flags] < password",
		`Create a dashboard user of a tenant. The password is the first line of
standard input (at least `+fmt.Sprint(ui.MinPasswordLen)+` characters).`, stdout)
	tenant := fs.String("tenant", "", "the tenant the user belongs to")
	email := fs.String("email", "", "the log-in email")
	role := fs.String("role", "", "admin (may act) or viewer (reads only)")
	co := configFlags(fs.FlagSet)
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	if *tenant == "" || *email == "" || *role == "" {
		return usagef("users create", "--tenant, --email and --role are required")
	}
	r, err := ui.ParseRole(*role)
	if err != nil {
		return usagef("users create", "%v", err)
	}
	if _, err := ui.NormalizeEmail(*email); err != nil {
		return usagef("users create", "%v", err)
	}
	line, err := bufio.NewReader(io.LimitReader(usersStdin, ui.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("users create: read the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return usagef("users create", "no password on standard input")
	}
	cfg, err := co.load()
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := ui.CreateUser(ctx, st, *tenant, *email, r, password, time.Now())
	if err != nil {
		return fmt.Errorf("users create: %w", err)
	}
	fmt.Fprintf(stdout, "created %s user %s (%s) of tenant %s; log in at /ui/login\n", u.Role, u.Email, u.ID, u.TenantID)
	return nil
}

func runUsersList(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("users list", "[--tenant ID] [flags]", "List dashboard users: id, tenant, email, role, creation.", stdout)
	tenant := fs.String("tenant", "", "only this tenant's users")
	co := configFlags(fs.FlagSet)
	if err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	cfg, err := co.load()
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	us, err := st.ListUsers(ctx, *tenant)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTENANT\tEMAIL\tROLE\tCREATED")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.TenantID, u.Email, u.Role, u.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}
