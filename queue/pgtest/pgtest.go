// Package pgtest gives each test a database of its own on the private
// PostgreSQL cluster that `make test` starts: a copy of a migrated template,
// so packages and tests run in parallel without sharing rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
)

// EnvURL names the variable holding the URL of the cluster's maintenance
// database; `make test` sets it.
const EnvURL = "CALLINGD_TEST_DATABASE_URL"

const defaultURL = "postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable"

// templateLock serialises template creation across test binaries.
const templateLock = 0x74656d706c617465 // "template"

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// AdminURL is the URL of the cluster's maintenance database.
func AdminURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return defaultURL
}

// URL returns AdminURL with its database replaced by name.
func URL(name string) string {
	u, err := url.Parse(AdminURL())
	if err != nil {
		panic(fmt.Sprintf("pgtest: %s is not a URL: %v", EnvURL, err))
	}
	u.Path = "/" + name
	return u.String()
}

// NewDatabase creates an empty migrated database for tb, drops it when tb
// ends, and returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate() })
	if templateErr != nil {
		tb.Fatalf("pgtest: %v (start the cluster with `make db-start`, or set %s)", templateErr, EnvURL)
	}
	name := "t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateName)); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() { dropDatabase(tb, name) })
	return URL(name)
}

// NewPool returns a pool on a fresh migrated database, closed when tb ends.
func NewPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), NewDatabase(tb))
	if err != nil {
		tb.Fatalf("pgtest: pool: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

func dropDatabase(tb testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		tb.Errorf("pgtest: drop %s: %v", name, err)
		return
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
		tb.Errorf("pgtest: drop %s: %v", name, err)
	}
}

// ensureTemplate creates, once per schema version, a database holding the
// migrated schema. Its name carries the schema fingerprint, so a changed
// migration gets a new template rather than a stale one.
func ensureTemplate() (string, error) {
	fp, err := queue.SchemaFingerprint()
	if err != nil {
		return "", err
	}
	name := "tpl_" + fp
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", AdminURL(), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer admin.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, templateLock) //nolint:errcheck // released on close anyway

	var ready bool
	err = admin.QueryRow(ctx, `SELECT true FROM pg_database WHERE datname = $1 AND datistemplate`, name).Scan(&ready)
	if err == nil && ready {
		return name, nil
	}
	// A half-built template from an interrupted run is rebuilt.
	if _, err := admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
		return "", fmt.Errorf("drop stale template: %w", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	pool, err := pgxpool.New(ctx, URL(name))
	if err != nil {
		return "", fmt.Errorf("template pool: %w", err)
	}
	_, err = queue.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := admin.Exec(ctx, `UPDATE pg_database SET datistemplate = true WHERE datname = $1`, name); err != nil {
		return "", fmt.Errorf("mark template: %w", err)
	}
	return name, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
