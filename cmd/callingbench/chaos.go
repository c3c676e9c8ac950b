package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/supporterbase/callingsessions/ivr/chaos"
)

// benchChaos runs the fault drills of issue 12 one after another (each
// against real `callingd serve` processes, see package chaos) and prints
// their counts summed over the drills, every one of which should be 0, and
// the two-instance drill's takeover time. What each count counted goes to
// the log.
func benchChaos(ctx context.Context, b *bench) ([]figure, error) {
	dir, err := os.MkdirTemp("", "callingbench-chaos-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var sum chaos.Result
	for _, sc := range chaos.Scenarios {
		res, err := runChaos(ctx, b, sc, dir)
		if err != nil {
			return nil, err
		}
		sum.StuckSessions += res.StuckSessions
		sum.LiveRecordsAfter += res.LiveRecordsAfter
		sum.DoubleDials += res.DoubleDials
		sum.LostWrites += res.LostWrites
		sum.Takeover += res.Takeover
	}
	return []figure{
		{"chaos_stuck_sessions", float64(sum.StuckSessions), "%.0f", "count"},
		{"chaos_live_records_after", float64(sum.LiveRecordsAfter), "%.0f", "count"},
		{"chaos_double_dials", float64(sum.DoubleDials), "%.0f", "count"},
		{"chaos_lost_writes", float64(sum.LostWrites), "%.0f", "count"},
		{"chaos_takeover_s", sum.Takeover.Seconds(), "%.2f", "s"},
	}, nil
}

// runChaos runs one drill on a database of its own (or, for the
// PostgreSQL restart, on the drill's private cluster) and logs what it
// found.
func runChaos(ctx context.Context, b *bench, sc chaos.Scenario, dir string) (chaos.Result, error) {
	cfg := chaos.Config{Callingd: b.callingd, Dir: dir, Log: b.log}
	if !sc.OwnCluster {
		dbURL, _, drop, err := b.newDatabase(ctx)
		if err != nil {
			return chaos.Result{}, err
		}
		defer drop()
		cfg.DatabaseURL = dbURL
	}
	res, err := sc.Run(ctx, cfg)
	if err != nil {
		return res, fmt.Errorf("%w\n%s", err, res.Logs)
	}
	fmt.Fprintf(b.log, "callingbench chaos: %s\n", res.Summary())
	if !res.Clean() {
		fmt.Fprintf(b.log, "%s\n%s", strings.Join(res.Problems, "\n"), res.Logs)
	}
	return res, nil
}
