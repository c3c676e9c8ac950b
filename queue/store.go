// Package queue is the calling-session domain and its PostgreSQL store:
// organisations, users, supporters, call lists and (later) sessions, skips,
// claims and contacts. Its rules live here and in the schema; the web panel
// and the phone flow only call it.
package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"
)

// Store is the queue's handle on PostgreSQL. Every method that touches an
// organisation's data takes the organisation id and filters by it (R1.1).
type Store struct {
	pool  *pgxpool.Pool
	clock Clock
	// PasswordCost is the bcrypt cost for new password hashes. Tests lower it.
	PasswordCost int
}

// NewStore returns a Store over pool. A nil clock means the wall clock.
func NewStore(pool *pgxpool.Pool, clock Clock) *Store {
	if clock == nil {
		clock = SystemClock{}
	}
	return &Store{pool: pool, clock: clock, PasswordCost: bcrypt.DefaultCost + 2}
}

// DefaultPoolConns is the connection pool size callingd gives the store
// unless the database URL sets pool_max_conns. Each connection is a
// PostgreSQL backend, and more statements running at once than the
// database has cores only makes each slower: measured on 2 cores, 50
// sessions claiming from one list made 424 claims a second through 8
// connections and 269 through 50, and claims that run long see more of
// their neighbours' claims as still to do. pgxpool's own default (the
// client's CPUs, at least 4) made 200 live sessions wait for connections.
const DefaultPoolConns = 8

// PoolConfig parses a database URL into the pool configuration callingd
// runs with: DefaultPoolConns connections unless the URL sets
// pool_max_conns.
func PoolConfig(url string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = DefaultPoolConns
	}
	return cfg, nil
}

// Pool returns the underlying connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks that the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return Internal("ping database", err)
	}
	return nil
}

// inTx runs fn in one transaction, committed when fn returns nil. A
// transaction PostgreSQL aborts to break a deadlock is run again (see
// retrying), so fn must not have effects outside the database.
func (s *Store) inTx(ctx context.Context, what string, fn func(pgx.Tx) error) error {
	err := retrying(ctx, func() error { return pgx.BeginFunc(ctx, s.pool, fn) })
	return Internal(what, err)
}

// markingItself tells the announcer's mark triggers that the transaction's
// statements mark their sessions themselves (migration 0005), so the
// triggers do not fire. Local to the transaction; a select-list item of the
// settings statement queryRowAfter sends first.
const markingItself = `set_config('callingd.sessions_marked', 'on', true)`

// progressUnchanged tells the progress counts' trigger (migration 0006)
// that the transaction changes no counted column of a queue row: whether it
// is on the list, completed or removed. Like markingItself.
const progressUnchanged = `set_config('callingd.progress_unchanged', 'on', true)`

// queryRowAfter runs settings (a SELECT of set_config(…, true) calls) and
// then query with args, in one round trip and one implicit transaction, and
// scans query's row with scan.
func (s *Store) queryRowAfter(ctx context.Context, settings, query string, args pgx.NamedArgs, scan func(pgx.Row) error) error {
	batch := &pgx.Batch{}
	batch.Queue(settings)
	batch.Queue(query, args)
	results := s.pool.SendBatch(ctx, batch)
	if _, err := results.Exec(); err != nil {
		results.Close()
		return err
	}
	err := scan(results.QueryRow())
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	return err
}

// maxTries bounds how often one statement or transaction is run again.
const maxTries = 4

// retrying runs fn again when PostgreSQL aborted it to break a deadlock or
// a serialisation failure: both leave nothing behind, and giving up would
// lose a call's end or a contact the user saw saved (R12).
func retrying(ctx context.Context, fn func() error) error {
	var err error
	for try := 1; try <= maxTries; try++ {
		if err = fn(); !transient(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// transient reports a deadlock (40P01) or a serialisation failure (40001).
func transient(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// constraintError turns a violated constraint into a coded error the user
// can act on; other errors pass through.
func constraintError(err error, conflicts map[string]*Error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	if e, ok := conflicts[pgErr.ConstraintName]; ok {
		return e
	}
	switch pgErr.Code {
	case "23505":
		return &Error{Code: ECONFLICT, Message: "already exists", Err: err}
	case "23503":
		return &Error{Code: ENOTFOUND, Message: "refers to something that does not exist", Err: err}
	case "23514":
		return &Error{Code: EINVALID, Message: fmt.Sprintf("rejected by rule %s", pgErr.ConstraintName), Err: err}
	}
	return err
}

// notFound reports pgx.ErrNoRows as ENOTFOUND naming what was looked for.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return Errorf(ENOTFOUND, "%s not found", what)
	}
	return err
}
