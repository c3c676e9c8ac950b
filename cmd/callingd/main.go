// Command callingd is the calling-sessions server and its operator tools:
// the web panel and ARI application (serve), schema migrations, CSV import,
// user accounts and the demo organisation.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/supporterbase/callingsessions/queue"
)

// command is one subcommand: run parses its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

var commands = map[string]command{
	"serve":   {"serve the web panel and the ARI application (migrates first)", runServe},
	"migrate": {"apply database migrations and exit", runMigrate},
	"import":  {"import supporters from a CSV file into a group (and a list)", runImport},
	"user":    {"add users, set passwords and mobiles", runUser},
	"org":     {"add and show organisations", runOrg},
	"group":   {"add supporter groups", runGroup},
	"demo":    {"create (or refresh) the demo organisation and print its logins", runDemo},
}

// environment is what commands share: where they write and what they read
// from the process environment, so tests can run them in-process.
type environment struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	getenv         func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &environment{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, getenv: os.Getenv}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, env *environment, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "callingd: unknown command %q\n\n", args[0])
		usage(env.stderr)
		return 2
	}
	err := cmd.run(ctx, env, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(env.stderr, "callingd %s: %s\n", args[0], describe(err))
	return 1
}

// errUsage means the flags were wrong; the flag set has already said how.
var errUsage = errors.New("usage")

// describe renders an error for an operator: coded errors as their message,
// internal ones with their cause, since the operator is the one to fix it.
func describe(err error) string {
	if queue.ErrorCode(err) == queue.EINTERNAL {
		return err.Error()
	}
	return queue.ErrorMessage(err)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `callingd: calling sessions for organisers, an Asterisk ARI application with a web panel.

Usage: callingd <command> [flags]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Run "callingd <command> --help" for the flags of a command.

Environment (every command that uses the database):
  CALLINGD_DATABASE_URL  PostgreSQL URL, e.g. postgres://user:pass@host:5432/callingd
                         (flag --database-url overrides it)
  CALLINGD_PASSWORD_COST bcrypt cost of new password hashes (default 12)
`)
}
