package main

import (
	"bufio"
	"cmp"
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

const userUsage = `Usage: callingd user <add|set-password|set-mobile|role> [flags]

  add           add a user (callingd user add --help)
  set-password  replace a user's password
  set-mobile    save or clear the mobile number sessions ring
  role          give a user a role in a supporter group, or take it away
`

const passwordHelp = `
The password is read from the first line of standard input (so it never
appears in the process list), or from CALLINGD_PASSWORD when that is set.
Passwords have at least 10 characters and at most 72 bytes.`

func runUser(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || !hasSub(args[0], "add", "set-password", "set-mobile", "role") {
		fmt.Fprint(env.stderr, userUsage)
		return errUsage
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, env, args[1:])
	case "set-password":
		return runUserSetPassword(ctx, env, args[1:])
	case "set-mobile":
		return runUserSetMobile(ctx, env, args[1:])
	default:
		return runUserRole(ctx, env, args[1:])
	}
}

// userFlags are the flags every user subcommand has: where, and who.
type userFlags struct {
	dbURL, org, email *string
}

func addUserFlags(env *environment, fs *flag.FlagSet) userFlags {
	return userFlags{
		dbURL: fs.String("database-url", env.getenv("CALLINGD_DATABASE_URL"), "PostgreSQL URL (env CALLINGD_DATABASE_URL)"),
		org:   fs.String("org", "", "organisation slug (required)"),
		email: fs.String("email", "", "the user's email address, their login (required)"),
	}
}

func runUserAdd(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "user add", "user add --org SLUG --email EMAIL --first-name NAME [flags] < password", `
Add a user to an organisation. Admins may do everything in the organisation;
others lead sessions only in groups where they are captain or vice_captain.
Leaders need a mobile number: sessions ring it.`+passwordHelp)
	uf := addUserFlags(env, fs)
	var in queue.UserInput
	fs.StringVar(&in.FirstName, "first-name", "", "first name (required)")
	fs.StringVar(&in.LastName, "last-name", "", "last name (optional)")
	fs.StringVar(&in.Mobile, "mobile", "", "mobile number, E.164 or national for the organisation's region")
	fs.StringVar(&in.Timezone, "timezone", "", "IANA timezone (default: the organisation's)")
	fs.BoolVar(&in.Admin, "admin", false, "make the user an admin of the whole organisation")
	group := fs.String("group", "", "supporter group to give the user a role in")
	role := fs.String("role", "", "role in --group: captain, vice_captain or member")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if (*group == "") != (*role == "") {
		return queue.FieldErrorf("role", "--group and --role go together")
	}
	password, err := readPassword(env)
	if err != nil {
		return err
	}
	in.Email, in.Password = *uf.email, password
	store, org, err := openOrg(ctx, env, uf)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	u, err := store.CreateUser(ctx, org.ID, in)
	if err != nil {
		return err
	}
	if *group != "" {
		if err := setRole(ctx, store, org.ID, u.ID, *group, *role); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.stdout, "added user %s to %s\n", u.Email, org.Slug)
	return nil
}

func runUserSetPassword(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "user set-password", "user set-password --org SLUG --email EMAIL < password",
		"Replace a user's password."+passwordHelp)
	uf := addUserFlags(env, fs)
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	password, err := readPassword(env)
	if err != nil {
		return err
	}
	store, org, u, err := openUser(ctx, env, uf)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	if err := store.SetPassword(ctx, org.ID, u.ID, password); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "password of %s replaced\n", u.Email)
	return nil
}

func runUserSetMobile(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "user set-mobile", "user set-mobile --org SLUG --email EMAIL --mobile NUMBER", `
Save the mobile number calling sessions ring (an empty --mobile clears it; a
user without one cannot start sessions).`)
	uf := addUserFlags(env, fs)
	mobile := fs.String("mobile", "", "mobile number, E.164 or national for the organisation's region")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	store, org, u, err := openUser(ctx, env, uf)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	if u, err = store.SetMobile(ctx, org.ID, u.ID, *mobile); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "mobile of %s: %s\n", u.Email, cmp.Or(u.Mobile, "(none)"))
	return nil
}

func runUserRole(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "user role", "user role --org SLUG --email EMAIL --group NAME (--role ROLE | --remove)",
		"Give a user a role in a supporter group, replacing any earlier one, or take it away.")
	uf := addUserFlags(env, fs)
	group := fs.String("group", "", "supporter group (required)")
	role := fs.String("role", "", "captain, vice_captain or member")
	remove := fs.Bool("remove", false, "take the user's role in the group away")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	store, org, u, err := openUser(ctx, env, uf)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	if *remove {
		g, err := store.GroupByName(ctx, org.ID, *group)
		if err != nil {
			return err
		}
		return store.RemoveGroupRole(ctx, org.ID, u.ID, g.ID)
	}
	if err := setRole(ctx, store, org.ID, u.ID, *group, *role); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s is %s of %s\n", u.Email, *role, *group)
	return nil
}

func setRole(ctx context.Context, store *queue.Store, orgID, userID int64, group, role string) error {
	g, err := store.GroupByName(ctx, orgID, group)
	if err != nil {
		return err
	}
	return store.SetGroupRole(ctx, orgID, userID, g.ID, queue.Role(role))
}

func openOrg(ctx context.Context, env *environment, uf userFlags) (*queue.Store, queue.Organisation, error) {
	store, err := openStore(ctx, env, *uf.dbURL)
	if err != nil {
		return nil, queue.Organisation{}, err
	}
	org, err := store.OrganisationBySlug(ctx, *uf.org)
	if err != nil {
		store.Pool().Close()
		return nil, queue.Organisation{}, err
	}
	return store, org, nil
}

func openUser(ctx context.Context, env *environment, uf userFlags) (*queue.Store, queue.Organisation, queue.User, error) {
	store, org, err := openOrg(ctx, env, uf)
	if err != nil {
		return nil, org, queue.User{}, err
	}
	u, err := store.UserByEmail(ctx, org.ID, *uf.email)
	if err != nil {
		store.Pool().Close()
		return nil, org, u, err
	}
	return store, org, u, nil
}

// readPassword takes CALLINGD_PASSWORD, else the first line of stdin.
func readPassword(env *environment) (string, error) {
	if p := env.getenv("CALLINGD_PASSWORD"); p != "" {
		return p, nil
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", queue.FieldErrorf("password", "is required: pipe it to standard input or set CALLINGD_PASSWORD")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
