package main

import (
	"context"
	"fmt"
)

func runGroup(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || !hasSub(args[0], "add", "list") {
		fmt.Fprint(env.stderr, "Usage: callingd group add|list [flags]   (callingd group add --help)\n")
		return errUsage
	}
	fs := newFlagSet(env, "group "+args[0], "group "+args[0]+" --org SLUG [--name NAME]", `
add: add a supporter group (it holds supporters and call lists).
list: print the organisation's groups.`)
	dbURL := databaseFlag(env, fs)
	org := fs.String("org", "", "organisation slug (required)")
	name := fs.String("name", "", "group name (add)")
	if err := parseFlags(env, fs, args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, env, *dbURL)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	o, err := store.OrganisationBySlug(ctx, *org)
	if err != nil {
		return err
	}
	if args[0] == "add" {
		g, err := store.CreateGroup(ctx, o.ID, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "added group %q to %s\n", g.Name, o.Slug)
		return nil
	}
	groups, err := store.Groups(ctx, o.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		fmt.Fprintln(env.stdout, g.Name)
	}
	return nil
}
