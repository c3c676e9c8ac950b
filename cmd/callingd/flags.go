package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"github.com/supporterbase/callingsessions/queue"
)

// newFlagSet returns a flag set whose --help prints the summary, the usage
// line and every flag with its environment variable.
func newFlagSet(env *environment, name, usageLine, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("callingd "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: callingd %s\n\n%s\n\nFlags:\n", usageLine, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args. --help goes to stdout, once; a flag error is
// printed with the usage to stderr and becomes errUsage.
func parseFlags(env *environment, fs *flag.FlagSet, args []string) error {
	if wantsHelp(args) {
		fs.SetOutput(env.stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return nil
}

// wantsHelp reports whether a help flag comes before any "--" terminator.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// databaseFlag registers --database-url, defaulting to CALLINGD_DATABASE_URL.
func databaseFlag(env *environment, fs *flag.FlagSet) *string {
	return fs.String("database-url", env.getenv("CALLINGD_DATABASE_URL"),
		"PostgreSQL URL (env CALLINGD_DATABASE_URL)")
}

// openStore connects to the database and checks it answers.
// CALLINGD_PASSWORD_COST sets the bcrypt cost of new password hashes.
func openStore(ctx context.Context, env *environment, url string) (*queue.Store, error) {
	if url == "" {
		return nil, queue.FieldErrorf("database-url", "is required (set CALLINGD_DATABASE_URL or pass --database-url)")
	}
	cfg, err := queue.PoolConfig(url)
	if err != nil {
		return nil, queue.FieldErrorf("database-url", "is not a PostgreSQL URL: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	store := queue.NewStore(pool, nil)
	if v := env.getenv("CALLINGD_PASSWORD_COST"); v != "" {
		cost, err := strconv.Atoi(v)
		if err != nil || cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
			pool.Close()
			return nil, queue.FieldErrorf("CALLINGD_PASSWORD_COST", "must be a bcrypt cost from %d to %d", bcrypt.MinCost, bcrypt.MaxCost)
		}
		store.PasswordCost = cost
	}
	return store, nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// openMigratedStore opens the store and applies the migrations the database
// lacks, returning their versions. The caller closes store.Pool().
func openMigratedStore(ctx context.Context, env *environment, url string) (store *queue.Store, applied []int, err error) {
	store, err = openStore(ctx, env, url)
	if err != nil {
		return nil, nil, err
	}
	applied, err = queue.Migrate(ctx, store.Pool())
	if err != nil {
		store.Pool().Close()
		return nil, nil, err
	}
	return store, applied, nil
}
