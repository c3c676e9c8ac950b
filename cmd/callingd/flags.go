package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

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

// parseFlags parses args, sending --help to stdout and turning flag errors
// into errUsage (the flag set has printed them).
func parseFlags(env *environment, fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(env.stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	if err != nil {
		return errUsage
	}
	return nil
}

// databaseFlag registers --database-url, defaulting to CALLINGD_DATABASE_URL.
func databaseFlag(env *environment, fs *flag.FlagSet) *string {
	return fs.String("database-url", env.getenv("CALLINGD_DATABASE_URL"),
		"PostgreSQL URL (env CALLINGD_DATABASE_URL)")
}

// openStore connects to the database and checks it answers.
func openStore(ctx context.Context, url string) (*queue.Store, error) {
	if url == "" {
		return nil, queue.FieldErrorf("database-url", "is required (set CALLINGD_DATABASE_URL or pass --database-url)")
	}
	cfg, err := pgxpool.ParseConfig(url)
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
	return queue.NewStore(pool, nil), nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
