package chaos_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/ivr/chaos"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// callingd is the binary every drill runs, built once by TestMain, or
// the one CALLINGD_CHAOS_BINARY names (to drill a given build).
var callingd = os.Getenv("CALLINGD_CHAOS_BINARY")

func TestMain(m *testing.M) {
	if callingd != "" {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	bin, remove, err := chaos.Build(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	callingd = bin
	code := m.Run()
	remove()
	os.Exit(code)
}

// drill runs a scenario and fails the test for every count that is not
// zero, with what each counted and the servers' log tails.
func drill(t *testing.T, sc chaos.Scenario) chaos.Result {
	t.Helper()
	t.Parallel()
	cfg := chaos.Config{Callingd: callingd, Dir: logDir(t), Log: testLog{t}}
	if seed := os.Getenv("CALLINGD_CHAOS_SEED"); seed != "" {
		// The seed a failed drill logged: the same scripts and panel choices.
		n, err := strconv.ParseUint(seed, 10, 64)
		if err != nil {
			t.Fatalf("CALLINGD_CHAOS_SEED: %v", err)
		}
		cfg.Seed = n
	}
	if !sc.OwnCluster {
		cfg.DatabaseURL = pgtest.NewDatabase(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	res, err := sc.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, strings.Join(res.Problems, "\n"), res.Logs)
	}
	if !res.Clean() {
		t.Errorf("%s\n%s\n%s(CALLINGD_CHAOS_LOGS=DIR keeps the whole logs and the transcript; CALLINGD_CHAOS_SEED=%d replays the scripts)",
			res.Summary(), strings.Join(res.Problems, "\n"), res.Logs, res.Seed)
	}
	return res
}

func TestKillRestart(t *testing.T) { drill(t, chaos.KillRestart) }

func TestPostgresRestart(t *testing.T) { drill(t, chaos.PostgresRestart) }

func TestAsteriskRestart(t *testing.T) { drill(t, chaos.AsteriskRestart) }

// TestTwoInstances also holds the takeover to the lease and its margin.
func TestTwoInstances(t *testing.T) {
	res := drill(t, chaos.TwoInstances)
	lease := chaos.DefaultLease
	if limit := lease + chaos.TakeoverMargin(lease); res.Takeover > limit {
		t.Errorf("takeover took %.2f s, more than the lease (%v) and its margin (%v)", res.Takeover.Seconds(), lease, chaos.TakeoverMargin(lease))
	}
}

// logDir is where the servers' logs go: CALLINGD_CHAOS_LOGS keeps them
// (a directory per test) for reading whole after a failure.
func logDir(t *testing.T) string {
	keep := os.Getenv("CALLINGD_CHAOS_LOGS")
	if keep == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp(keep, t.Name()+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("servers' logs kept in %s", dir)
	return dir
}

// testLog sends a drill's progress to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
