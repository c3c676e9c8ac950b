package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

func runImport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "import", "import --org SLUG --group NAME [--list NAME] [--database-url URL] FILE.csv", importAbout())
	dbURL := databaseFlag(env, fs)
	orgSlug := fs.String("org", "", "slug of the organisation the supporters belong to (required)")
	groupName := fs.String("group", "", "name of the supporter group to import into (required)")
	listName := fs.String("list", "", "call list of the group to add every imported supporter to (created if missing)")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(env.stderr, "callingd import: give one CSV file (or - for standard input), after the flags\n")
		return errUsage
	}
	switch {
	case strings.TrimSpace(*orgSlug) == "":
		return queue.FieldErrorf("org", "is required (the organisation's slug)")
	case strings.TrimSpace(*groupName) == "":
		return queue.FieldErrorf("group", "is required (the name of a supporter group)")
	}
	name := fs.Arg(0)
	in := env.stdin
	if name == "-" {
		name = "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open CSV file: %w", err)
		}
		defer f.Close() //nolint:errcheck // read only
		in = f
	}

	store, err := openStore(ctx, env, *dbURL)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	org, err := store.OrganisationBySlug(ctx, *orgSlug)
	if err != nil {
		return err
	}
	group, err := store.GroupByName(ctx, org.ID, *groupName)
	if err != nil {
		return err
	}
	var opts queue.ImportOptions
	if isTerminal(env.stderr) {
		opts.Progress, opts.ProgressEvery = progressLine(env.stderr), 5000
	}
	rep, err := store.Import(ctx, org.ID, group.ID, *listName, in, opts)
	if opts.Progress != nil {
		fmt.Fprint(env.stderr, "\r\033[K") // the summary replaces the progress line
	}
	var e *queue.Error
	if errors.As(err, &e) && e.Code == queue.EINVALID {
		return &queue.Error{Code: e.Code, Field: e.Field, Message: e.Message + " (nothing was imported)"}
	}
	if err != nil {
		return err
	}
	printImportReport(env.stdout, name, org, group, rep)
	return nil
}

// isTerminal reports whether w is a terminal, where a progress line that
// rewrites itself reads well; in a log file it would be noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressLine returns a Progress func that rewrites one line of w.
func progressLine(w io.Writer) func(int) {
	return func(rows int) { fmt.Fprintf(w, "\rimporting: %d rows read", rows) }
}

func printImportReport(w io.Writer, name string, org queue.Organisation, group queue.Group, rep queue.ImportReport) {
	fmt.Fprintf(w, "Imported %s into group %q of %s: %d rows read.\n", name, group.Name, org.Slug, rep.RowsRead)
	fmt.Fprintf(w, "  inserted   %d\n  updated    %d\n  unchanged  %d\n  rejected   %d\n",
		rep.Inserted, rep.Updated, rep.Unchanged, len(rep.Rejected))
	if rep.Blank > 0 {
		fmt.Fprintf(w, "  blank      %d (skipped)\n", rep.Blank)
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(w, "  invalid numbers kept, never dialled: %d\n", len(rep.Warnings))
	}
	if rep.ListID != 0 {
		created := ""
		if rep.ListCreated {
			created = " (new list)"
		}
		fmt.Fprintf(w, "  call list %q%s: %d members added\n", rep.ListName, created, rep.MembersAdded)
	}
	if len(rep.Rejected) > 0 {
		fmt.Fprintf(w, "Rejected rows (not imported; fix them and import the file again):\n")
		for _, p := range rep.Rejected {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(w, "Invalid numbers (imported, but never dialled until corrected):\n")
		for _, p := range rep.Warnings {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

func importAbout() string {
	var b strings.Builder
	b.WriteString(`
Import supporters from a CSV file into a supporter group, and with --list into
one of its call lists. FILE is a path, or - to read standard input.

The file must be UTF-8 (a byte order mark is fine; from Excel choose "CSV
UTF-8"). Its first line names the columns, in any order; names are matched
ignoring case, spaces, "_" and "-". Accepted columns and their aliases:
`)
	for _, c := range queue.ImportColumns() {
		fmt.Fprintf(&b, "  %-11s %s\n  %-11s (also: %s)\n", c.Name, c.About, "", strings.Join(c.Aliases, ", "))
	}
	b.WriteString(`Any other column is refused: delete or rename it.

The phone number identifies a supporter within the group: a row whose number
is already in the group updates that supporter (columns the file lacks keep
their stored values), so importing the same file twice changes nothing. Rows
that fail a check (a bad email, a name over 100 characters, no phone, a number
repeated from an earlier row) are listed and skipped; every other row is
imported, all in one transaction. A file that cannot be read as a whole (not
UTF-8, unknown or missing columns, no rows) is refused and nothing changes.
An invalid number is imported but flagged, and never dialled until corrected.
Cells are stored as text: a cell such as =SUM(A1) is kept verbatim.

Exit status: 0 when the file was imported (even with rejected rows), 1 when it
was refused or the database failed, 2 for wrong flags.

Environment:
  CALLINGD_DATABASE_URL  PostgreSQL URL of the database (--database-url wins)`)
	return b.String()
}
