package main

import (
	"context"
	"fmt"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "migrate", "migrate [flags]", `
Apply every database migration this binary holds that the database lacks,
each in its own transaction, then exit. Forward only: a database migrated by a
newer callingd is refused. "callingd serve" does the same on start.`)
	dbURL := databaseFlag(env, fs)
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	store, applied, err := openMigratedStore(ctx, env, *dbURL)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	if len(applied) == 0 {
		fmt.Fprintln(env.stdout, "schema up to date")
		return nil
	}
	fmt.Fprintf(env.stdout, "applied migrations %v\n", applied)
	return nil
}
