// Command callingbench measures the figures the product promises (R1.5:
// 100,000 supporters imported in seconds, and later claim latency and ARI
// event lag) and prints one line per figure:
//
//	BENCH <name> <value> <unit>
//
// Each benchmark runs against a database of its own on the cluster named by
// CALLINGD_TEST_DATABASE_URL (its maintenance database), dropped afterwards.
// Progress and failures go to stderr; stdout carries only BENCH lines.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
)

// benchmark is one named measurement. run returns its figures.
type benchmark struct {
	name  string
	about string
	run   func(ctx context.Context, b *bench) ([]figure, error)
}

// figure is one BENCH line.
type figure struct {
	name   string
	value  float64
	format string // e.g. "%.0f"
	unit   string
}

// benchmarks run in this order; add new ones here.
var benchmarks = []benchmark{
	{"import", "callingd import of a 100,000-row CSV file into a group and a call list", benchImport},
	{"claim", "claim-next latency on lists of 100,000 members against a bare SKIP LOCKED pop", benchClaim},
	{"views", "dashboard stats and View all supporters pages of a session of 100,000 members", benchViews},
	{"ari", "ARI adapter: event-to-command latency at 200 calls, events/s on one core, heap per live call", benchARI},
	{"ivr", "call flow: 200 leaders working at once against the simulator (--ivr-seconds, default 60)", benchIVR},
	{"ivr-race", "call flow: 20 leaders on one list while every leg enters the application late; failed legs, REST requests per dial", benchIVRRace},
	{"web", "the panel through callingd serve: dashboard and sheet page latency at 100 connections, SSE lag to 500 streams, memory per stream", benchWeb},
	{"chaos", "fault drills with 20 leaders on real callingd serve processes: SIGKILL mid-call, lease holder killed, PostgreSQL and Asterisk restarted; stuck sessions, live records, double dials, lost writes, takeover time", benchChaos},
}

// bench is what every benchmark may use.
type bench struct {
	callingd string // path of the callingd binary
	adminURL string // the cluster's maintenance database
	log      io.Writer
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("callingbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	callingd := fs.String("callingd", "", "`path` of the callingd binary to measure (required; make build puts it in bin/)")
	only := fs.String("only", "", "run only the benchmark of this name (default: all)")
	fs.IntVar(&ivrSeconds, "ivr-seconds", ivrSeconds, "how long the ivr benchmark's 200 leaders work once all are calling")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: callingbench --callingd PATH [--only NAME]\n\n"+
			"Prints one \"BENCH <name> <value> <unit>\" line per figure.\n\nBenchmarks:\n")
		for _, bm := range benchmarks {
			fmt.Fprintf(fs.Output(), "  %-8s %s\n", bm.name, bm.about)
		}
		fmt.Fprintf(fs.Output(), "\nEnvironment:\n  CALLINGD_TEST_DATABASE_URL  URL of the PostgreSQL cluster's maintenance database;\n"+
			"                              each benchmark creates and drops a database of its own\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	b := &bench{callingd: *callingd, adminURL: getenv("CALLINGD_TEST_DATABASE_URL"), log: stderr}
	switch {
	case b.callingd == "":
		fmt.Fprintln(stderr, "callingbench: --callingd is required")
		return 2
	case b.adminURL == "":
		fmt.Fprintln(stderr, "callingbench: set CALLINGD_TEST_DATABASE_URL to the cluster's maintenance database URL")
		return 2
	}
	if abs, err := filepath.Abs(b.callingd); err == nil {
		b.callingd = abs
	}
	ran := false
	for _, bm := range benchmarks {
		if *only != "" && bm.name != *only {
			continue
		}
		ran = true
		figures, err := bm.run(ctx, b)
		if err != nil {
			fmt.Fprintf(stderr, "callingbench %s: %v\n", bm.name, err)
			return 1
		}
		for _, f := range figures {
			fmt.Fprintf(stdout, "BENCH %s "+f.format+" %s\n", f.name, f.value, f.unit)
		}
	}
	if !ran {
		fmt.Fprintf(stderr, "callingbench: no benchmark named %q\n", *only)
		return 2
	}
	return 0
}

// newDatabase creates a migrated database for one benchmark and returns its
// URL and a store on it, with callingd's pool; drop closes the store and
// drops the database.
func (b *bench) newDatabase(ctx context.Context) (dbURL string, store *queue.Store, drop func(), err error) {
	u, err := url.Parse(b.adminURL)
	if err != nil {
		return "", nil, nil, fmt.Errorf("CALLINGD_TEST_DATABASE_URL: %w", err)
	}
	name := "bench_" + randomHex(6)
	admin, err := pgx.Connect(ctx, b.adminURL)
	if err != nil {
		return "", nil, nil, fmt.Errorf("connect to %s: %w", b.adminURL, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, nil, fmt.Errorf("create database: %w", err)
	}
	dropDB := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		admin, err := pgx.Connect(ctx, b.adminURL)
		if err != nil {
			fmt.Fprintf(b.log, "callingbench: drop %s: %v\n", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(b.log, "callingbench: drop %s: %v\n", name, err)
		}
	}
	u.Path = "/" + name
	// The pool callingd runs with.
	var pool *pgxpool.Pool
	cfg, err := queue.PoolConfig(u.String())
	if err == nil {
		pool, err = pgxpool.NewWithConfig(ctx, cfg)
	}
	if err == nil {
		_, err = queue.Migrate(ctx, pool)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		dropDB()
		return "", nil, nil, fmt.Errorf("migrate %s: %w", name, err)
	}
	return u.String(), queue.NewStore(pool, nil), func() { pool.Close(); dropDB() }, nil
}

// benchImport times `callingd import` of a generated file of 100,000
// distinct valid UK mobiles into a group and a new call list, as an
// organiser would run it, and reads the child's peak resident memory.
func benchImport(ctx context.Context, b *bench) ([]figure, error) {
	const rows = 100_000
	dbURL, store, drop, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	o := queue.NewOrganisation("bench", "Bench")
	o.AllowedPrefixes = []string{"+44"}
	org, err := store.CreateOrganisation(ctx, o)
	if err != nil {
		return nil, err
	}
	group, err := store.CreateGroup(ctx, org.ID, "Bench supporters")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "callingbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "supporters.csv")
	if err := writeSupportersCSV(path, rows); err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, b.callingd, "import", "--org", org.Slug, "--group", group.Name,
		"--list", "Bench list", path)
	cmd.Env = append(os.Environ(), "CALLINGD_DATABASE_URL="+dbURL)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(b.log, "callingbench import: importing %d rows...\n", rows)
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out.String())
	}
	var stored, members int
	err = store.Pool().QueryRow(ctx, `
		SELECT (SELECT count(*) FROM supporters WHERE group_id = $1),
		       (SELECT count(*) FROM list_members WHERE group_id = $1 AND removed_at IS NULL)`,
		group.ID).Scan(&stored, &members)
	if err != nil {
		return nil, err
	}
	if stored != rows || members != rows {
		return nil, fmt.Errorf("import stored %d supporters and %d list members, want %d each:\n%s", stored, members, rows, out.String())
	}
	maxRSS := int64(0)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss // KiB on Linux
	}
	fmt.Fprintf(b.log, "callingbench import: %d rows in %v\n", rows, elapsed.Round(time.Millisecond))
	return []figure{
		{"import_rows_per_s", rows / elapsed.Seconds(), "%.0f", "rows/s"},
		{"import_peak_rss_mb", float64(maxRSS) / 1024, "%.1f", "MB"},
	}, nil
}

// writeSupportersCSV writes n supporters with distinct valid GB mobile
// numbers (+44 7700 0xxxxx and 1xxxxx) and varied names, emails and tags.
func writeSupportersCSV(path string, n int) error {
	if n > 200_000 {
		return fmt.Errorf("at most 200,000 distinct numbers in the +4477000/+4477001 ranges")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	first := []string{"Ada", "Bo", "Chidi", "Dana", "Émile", "Farah", "Grace", "Hiro", "Ines", "José", "Kofi", "Lena", "Mateusz", "Niamh", "Oluwaseun", "Priya"}
	last := []string{"Lovelace", "O'Brien", "Nguyen", "Smith", "García", "Kowalski", "Okafor", "Jones", "Müller", "Patel", "Williams", "Zhang", "Brown", "MacLeod"}
	tags := []string{"", "volunteer", "donor", "volunteer; donor", "member", "lapsed, donor", "steward"}
	fmt.Fprintln(w, "First Name,Surname,Mobile,Email,Tags,Timezone")
	for i := range n {
		fn, ln := first[i%len(first)], last[(i/len(first))%len(last)]
		email := ""
		if i%3 != 0 {
			email = fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(fn[:1]), strings.ToLower(strings.ReplaceAll(ln, "'", "")), i)
		}
		tz := ""
		if i%50 == 0 {
			tz = "Europe/Dublin"
		}
		phone := fmt.Sprintf("+447700%06d", i)
		if i%4 == 0 {
			phone = fmt.Sprintf("07700 %06d", i) // national format, as people write it
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,\"%s\",%s\n", fn, ln, phone, email, tags[i%len(tags)], tz)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
