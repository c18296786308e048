package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wabaguard/wabaguard/internal/config"
)

// The command-line conventions of every subcommand:
//
//   - -h, -help and --help print what the command does, its usage line and
//     every flag with its meaning and default to stdout, and exit 0;
//   - a usage mistake (unknown flag, bad value, missing or extra argument)
//     prints one line saying what is wrong and how to get help to stderr,
//     and exits 2;
//   - any other failure prints "wabaguard: <error>" and exits 1.

// usageError is a mistake on the command line; main exits 2 for it.
type usageError struct {
	cmd string // "serve", "sim say", …
	err error
}

func (e *usageError) Error() string {
	if e.cmd == "" {
		return e.err.Error()
	}
	return e.cmd + ": " + e.err.Error()
}
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError for cmd.
func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// exitCode maps run's error to the process's exit status.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

// cmdFlags is a subcommand's flag set with the help that explains it.
type cmdFlags struct {
	*flag.FlagSet
	cmd      string // the subcommand's words, e.g. "messages show"
	synopsis string // arguments after the command, e.g. "[flags] ID"
	about    string // what the command does, one paragraph
	stdout   io.Writer
}

// newFlags returns an empty flag set for `wabaguard <cmd>`.
func newFlags(cmd, synopsis, about string, stdout io.Writer) *cmdFlags {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	// Parse's own messages are replaced by parse's: help to stdout, one line
	// on mistakes.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, cmd: cmd, synopsis: synopsis, about: about, stdout: stdout}
}

// parse parses args. Asked for help, it prints it and returns flag.ErrHelp
// (run turns that into exit 0); on a mistake it returns a usageError.
// maxArgs bounds the positional arguments (-1: any).
func (c *cmdFlags) parse(args []string, minArgs, maxArgs int) error {
	err := c.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.help()
		return flag.ErrHelp
	}
	if err != nil {
		return &usageError{cmd: c.cmd, err: err}
	}
	switch n := c.NArg(); {
	case n < minArgs:
		return usagef(c.cmd, "missing argument (usage: wabaguard %s %s)", c.cmd, c.synopsis)
	case maxArgs >= 0 && n > maxArgs:
		return usagef(c.cmd, "unexpected argument %q", c.Arg(maxArgs))
	}
	return nil
}

// help prints the command's description, usage line and flags.
func (c *cmdFlags) help() {
	fmt.Fprintf(c.stdout, "%s\n\nUsage:\n  wabaguard %s %s\n", c.about, c.cmd, c.synopsis)
	has := false
	c.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprint(c.stdout, "\nFlags (-flag and --flag are the same):\n")
		c.SetOutput(c.stdout)
		c.PrintDefaults()
		c.SetOutput(io.Discard)
	}
}

// configOpts are the flags that locate the configuration and the store.
type configOpts struct {
	path, database *string
}

// configFlags registers --config and --database on fs.
func configFlags(fs *flag.FlagSet) configOpts {
	return configOpts{
		path:     fs.String("config", os.Getenv("WABAGUARD_CONFIG"), "JSON configuration `file` (default: $WABAGUARD_CONFIG; none: zero config)"),
		database: fs.String("database", "", "SQLite `path` or postgres:// URL (overrides the configuration)"),
	}
}

// load reads the configuration after the flags were parsed.
func (o configOpts) load() (config.Config, error) {
	c, err := config.Load(*o.path, os.Getenv)
	if err != nil {
		return c, err
	}
	if *o.database != "" {
		c.Database = *o.database
	}
	return c, nil
}
