package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
)

// The claim benchmark's shape (the figures): lists of 100,000
// members, 50 sessions claiming on one list, 500 sessions on 500 lists, and
// a floor measured in the same run on the same cluster so the ratio does not
// depend on the machine.
//
// The named figures are latencies at a stated load: every session claims on
// its own schedule, claimInterval apart, whether or not the machine keeps up,
// and a claim's latency counts from when it was due (so a backlog shows, and
// is not hidden by waiting for it). The floor runs on the same schedule. The
// same cases run flat out too (_saturated): 50 goroutines claiming back to
// back on 2 cores measure throughput, not latency, since each claim then
// waits for the other 49.
const (
	claimListSize  = 100_000
	claimWarmUp    = 50    // untimed claims before the single-session run
	claimOneRuns   = 2_000 // timed claims of the single session
	claimSessions  = 50    // concurrent sessions on one list
	claimPerWorker = 40    // timed claims of each of them
	// A session claims 5 times a second: the ivr benchmark's leaders, who
	// press a key the instant a call ends and whose supporters answer at
	// once, make about one call a second; an evening's pace is one call in
	// 30 seconds or more.
	claimInterval = 200 * time.Millisecond
	// 500 lists of 200 members: 100,000 members in all, as in the other cases.
	claimSmallLists       = 500
	claimSmallListSize    = 200
	claimPerSmallSess     = 2  // claims of each small-list session, in each of the two cases
	claimSmallListWorkers = 50 // goroutines working through the 500 sessions flat out
)

// claimNow is inside every supporter's calling window (noon in London) and
// never moves, so cool-downs and calling hours hold still while we measure.
var claimNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// claimWorld is the data set: an organisation whose sessions we claim from.
type claimWorld struct {
	store   *queue.Store
	orgID   int64
	groupID int64
	leaders []queue.User
	next    int // number of the next supporter to make
	// The single session has a list of its own: with the clock frozen, a
	// supporter claimed in one session of a list stays in cool-down for
	// every other session of the list, which each of their claims walks past.
	alone     int64
	shared    []int64 // 50 sessions on one list
	scattered []int64 // one session on each of 500 lists
}

// benchClaim measures claim-next latency, one leader on a list of 100,000,
// 50 leaders on one list of 100,000 and 500 leaders on 500 lists of 200,
// against the floor: the bare SKIP LOCKED pop on a table of 100,000 rows.
// Only the Claim call is timed; each claim is then ended (no answer),
// untimed, so the session may claim again.
func benchClaim(ctx context.Context, b *bench) ([]figure, error) {
	_, plain, drop, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	pool := plain.Pool()
	store := queue.NewStore(pool, fixedClock(claimNow))
	store.PasswordCost = 4

	start := time.Now()
	w, err := loadClaimWorld(ctx, store, b.log)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := loadFloor(ctx, pool); err != nil {
		return nil, fmt.Errorf("load floor: %w", err)
	}
	// Vacuum too, so autovacuum does not wake up on the new rows mid-run,
	// and checkpoint, so the load's dirty pages are not written out while
	// we measure.
	loaded := time.Now()
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, "CHECKPOINT"); err != nil {
		return nil, err
	}
	fmt.Fprintf(b.log, "callingbench claim: vacuumed in %v\n", time.Since(loaded).Round(time.Millisecond))
	fmt.Fprintf(b.log, "callingbench claim: data loaded in %v\n", time.Since(start).Round(time.Millisecond))
	// Claims run with the announcer working beside them, as in production.
	announcing, stopAnnouncing := context.WithCancel(ctx)
	defer stopAnnouncing()
	go store.Announce(announcing, queue.AnnounceEvery, func(err error) {
		fmt.Fprintf(b.log, "callingbench claim: announcing: %v\n", err)
	})
	c, err := w.measure(ctx, b.log)
	stopAnnouncing()
	if err != nil {
		return nil, err
	}
	f, err := measureFloor(ctx, pool, b.log)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(b.log, "callingbench claim: done in %v\n", time.Since(start).Round(time.Millisecond))
	// The ratios compare like with like: 50 sessions claiming on one list
	// against 50 connections popping the floor table, on the same schedule
	// or both flat out.
	return slices.Concat(
		latency("claim_p%d_1session_ms", c.one),
		latency("claim_p%d_50sessions_ms", c.shared),
		latency("claim_p%d_500lists_ms", c.scattered),
		latency("claim_floor_p%d_ms", f.paced),
		latency("claim_floor_p%d_1conn_ms", f.one),
		latency("claim_floor_1stmt_p%d_ms", f.oneStatement),
		[]figure{
			ratio("claim_ratio_to_floor", c.shared, f.paced),
			ratio("claim_ratio_to_floor_1stmt", c.shared, f.oneStatement),
		},
		latency("claim_p%d_50sessions_saturated_ms", c.sharedFlat),
		latency("claim_p%d_500lists_saturated_ms", c.scatteredFlat),
		latency("claim_floor_p%d_saturated_ms", f.flat),
		[]figure{ratio("claim_ratio_to_floor_saturated", c.sharedFlat, f.flat)},
	), nil
}

// ratio is the p99 of a against the p99 of b.
func ratio(name string, a, b []time.Duration) figure {
	return figure{name, ms(percentile(a, 99)) / ms(percentile(b, 99)), "%.2f", "x"}
}

// claimCases are the timings of each claim case.
type claimCases struct {
	one                       []time.Duration // one session, back to back
	shared, scattered         []time.Duration // on the schedule
	sharedFlat, scatteredFlat []time.Duration // flat out
}

// measure times the claim cases: one session alone on its list, 50
// sessions on one list and 500 sessions on 500 lists, on the schedule and
// then flat out.
func (w *claimWorld) measure(ctx context.Context, log io.Writer) (c claimCases, err error) {
	if _, err := repeat(ctx, claimWarmUp, w.claimer(w.alone)); err != nil {
		return c, err
	}
	c.one, err = timeCase(log, "1 session", func() ([]time.Duration, error) {
		return repeat(ctx, claimOneRuns, w.claimer(w.alone))
	})
	if err != nil {
		return c, err
	}
	// One claim in each shared session opens and prepares every connection.
	if _, err := concurrently(ctx, claimSessions, func(ctx context.Context, i int) ([]time.Duration, error) {
		return repeat(ctx, 1, w.claimer(w.shared[i]))
	}); err != nil {
		return c, err
	}
	c.shared, err = timeCase(log, "50 sessions on one list, on schedule", func() ([]time.Duration, error) {
		return onSchedule(ctx, claimSessions, claimPerWorker, claimInterval, func(i int) func(context.Context) (time.Duration, error) {
			return w.claimer(w.shared[i])
		})
	})
	if err != nil {
		return c, err
	}
	// Each of the 500 sessions claims on its own schedule, a tenth as often
	// as the shared ones: the same 250 claims a second in all.
	c.scattered, err = timeCase(log, "500 sessions on 500 lists, on schedule", func() ([]time.Duration, error) {
		return onSchedule(ctx, claimSmallLists, claimPerSmallSess, claimInterval*claimSmallLists/claimSessions,
			func(i int) func(context.Context) (time.Duration, error) { return w.claimer(w.scattered[i]) })
	})
	if err != nil {
		return c, err
	}
	c.sharedFlat, err = timeCase(log, "50 sessions on one list, flat out", func() ([]time.Duration, error) {
		return concurrently(ctx, claimSessions, func(ctx context.Context, i int) ([]time.Duration, error) {
			return repeat(ctx, claimPerWorker, w.claimer(w.shared[i]))
		})
	})
	if err != nil {
		return c, err
	}
	sessions := make(chan int64, len(w.scattered))
	for _, id := range w.scattered {
		sessions <- id
	}
	close(sessions)
	c.scatteredFlat, err = timeCase(log, "500 sessions on 500 lists, flat out", func() ([]time.Duration, error) {
		return concurrently(ctx, claimSmallListWorkers, func(ctx context.Context, _ int) ([]time.Duration, error) {
			var all []time.Duration
			for id := range sessions {
				d, err := repeat(ctx, claimPerSmallSess, w.claimer(id))
				if err != nil {
					return nil, err
				}
				all = append(all, d...)
			}
			return all, nil
		})
	})
	return c, err
}

// loadClaimWorld makes the organisation, 300,000 supporters on a list for
// one session, a list for 50 sessions and 500 small lists, 500 admin
// leaders and their sessions, the sessions through the real API.
func loadClaimWorld(ctx context.Context, store *queue.Store, log io.Writer) (*claimWorld, error) {
	o := queue.NewOrganisation("bench", "Bench")
	o.AllowedPrefixes = []string{"+44"}
	o.Timezone = "Europe/London"
	org, err := store.CreateOrganisation(ctx, o)
	if err != nil {
		return nil, err
	}
	group, err := store.CreateGroup(ctx, org.ID, "Bench supporters")
	if err != nil {
		return nil, err
	}
	w := &claimWorld{store: store, orgID: org.ID, groupID: group.ID, next: 1}
	for i := range claimSmallLists {
		u, err := store.CreateUser(ctx, org.ID, queue.UserInput{
			FirstName: fmt.Sprintf("Leader%d", i), Email: fmt.Sprintf("leader%d@bench.example.org", i),
			Password: "a long enough secret", Mobile: "+447400123456", Admin: true})
		if err != nil {
			return nil, err
		}
		w.leaders = append(w.leaders, u)
	}
	alone, err := w.newList(ctx, "Alone", claimListSize)
	if err != nil {
		return nil, err
	}
	if w.alone, err = w.startSession(ctx, w.leaders[0], alone); err != nil {
		return nil, err
	}
	start := time.Now()
	shared, err := w.newList(ctx, "Shared", claimListSize)
	if err != nil {
		return nil, err
	}
	// 50 copies of the list, 5,000,000 rows: most of the load.
	for _, leader := range w.leaders[:claimSessions] {
		id, err := w.startSession(ctx, leader, shared)
		if err != nil {
			return nil, err
		}
		w.shared = append(w.shared, id)
	}
	fmt.Fprintf(log, "callingbench claim: 50 sessions on one list started in %v\n", time.Since(start).Round(time.Millisecond))
	// Statistics from before the big lists make each small one slow to add.
	if _, err := store.Pool().Exec(ctx, "ANALYZE"); err != nil {
		return nil, err
	}
	start = time.Now()
	for i, leader := range w.leaders[:claimSmallLists] {
		list, err := w.newList(ctx, fmt.Sprintf("Small %d", i), claimSmallListSize)
		if err != nil {
			return nil, err
		}
		id, err := w.startSession(ctx, leader, list)
		if err != nil {
			return nil, err
		}
		w.scattered = append(w.scattered, id)
	}
	fmt.Fprintf(log, "callingbench claim: 500 small lists and sessions made in %v\n", time.Since(start).Round(time.Millisecond))
	return w, nil
}

// newList makes a list of n new supporters with distinct London numbers
// (+4420 and the supporter's number on 8 digits), in one statement.
func (w *claimWorld) newList(ctx context.Context, name string, n int) (int64, error) {
	list, err := w.store.CreateList(ctx, w.orgID, w.groupID, name, 0)
	if err != nil {
		return 0, err
	}
	err = loadMembers(ctx, w.store.Pool(), w.orgID, w.groupID, list.ID, int64(w.next), int64(w.next+n-1), "+4420", 8, claimNow)
	w.next += n
	return list.ID, err
}

func (w *claimWorld) startSession(ctx context.Context, leader queue.User, listID int64) (int64, error) {
	sess, _, err := w.store.StartSession(ctx, leader, listID, "")
	return sess.ID, err
}

// claimer claims from the session, timing only the claim, then ends the
// call with no answer so the session may claim again.
func (w *claimWorld) claimer(sessionID int64) func(context.Context) (time.Duration, error) {
	return func(ctx context.Context) (time.Duration, error) {
		start := time.Now()
		cl, ok, err := w.store.Claim(ctx, w.orgID, sessionID)
		elapsed := time.Since(start)
		switch {
		case err != nil:
			return 0, fmt.Errorf("claim in session %d: %w", sessionID, err)
		case !ok:
			return 0, fmt.Errorf("claim in session %d: nobody available", sessionID)
		}
		if _, err := w.store.CallEnded(ctx, w.orgID, cl.Call.ID, queue.OutcomeNoAnswer, 19, "No answer"); err != nil {
			return 0, fmt.Errorf("end call %d: %w", cl.Call.ID, err)
		}
		return elapsed, nil
	}
}

// loadFloor makes the floor's table: a queue of 100,000 rows with nothing
// but the index a pop needs.
func loadFloor(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `
		CREATE TABLE claim_floor (id bigint PRIMARY KEY, taken boolean NOT NULL DEFAULT false, position bigint NOT NULL);
		CREATE INDEX claim_floor_pending ON claim_floor (position) WHERE NOT taken;
		INSERT INTO claim_floor (id, position) SELECT i, i FROM generate_series(1, 100000) i;`)
	return err
}

// floorPop is the floor: a bare SELECT … FOR UPDATE SKIP LOCKED
// LIMIT 1 and an UPDATE of the row it locked, in one transaction.
func floorPop(pool *pgxpool.Pool) func(context.Context) (time.Duration, error) {
	return func(ctx context.Context) (time.Duration, error) {
		start := time.Now()
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM claim_floor WHERE NOT taken ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED`).Scan(&id)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE claim_floor SET taken = true WHERE id = $1`, id)
			return err
		})
		elapsed := time.Since(start)
		if err != nil {
			return 0, fmt.Errorf("floor pop: %w", err)
		}
		return elapsed, nil
	}
}

// floorPopOneStatement is the floor folded into one statement and one round
// trip, as Claim is: the least a pop can cost.
func floorPopOneStatement(pool *pgxpool.Pool) func(context.Context) (time.Duration, error) {
	return func(ctx context.Context) (time.Duration, error) {
		var id int64
		start := time.Now()
		err := pool.QueryRow(ctx, `
			WITH next AS (
				SELECT id FROM claim_floor WHERE NOT taken ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED
			)
			UPDATE claim_floor SET taken = true FROM next WHERE claim_floor.id = next.id
			RETURNING claim_floor.id`).Scan(&id)
		elapsed := time.Since(start)
		if err != nil {
			return 0, fmt.Errorf("floor pop in one statement: %w", err)
		}
		return elapsed, nil
	}
}

// floorCases are the timings of the floor.
type floorCases struct {
	one          []time.Duration // one connection, back to back
	paced        []time.Duration // 50 connections on the claims' schedule
	oneStatement []time.Duration // the same, popping in one statement
	flat         []time.Duration // 50 connections flat out
}

// measureFloor times the floor pop on one connection, then on 50 on the
// claims' schedule and flat out.
func measureFloor(ctx context.Context, pool *pgxpool.Pool, log io.Writer) (f floorCases, err error) {
	pop, popOne := floorPop(pool), floorPopOneStatement(pool)
	if _, err := repeat(ctx, claimWarmUp, pop); err != nil {
		return f, err
	}
	if f.one, err = timeCase(log, "floor, 1 connection", func() ([]time.Duration, error) {
		return repeat(ctx, claimOneRuns, pop)
	}); err != nil {
		return f, err
	}
	everyone := func(op func(context.Context) (time.Duration, error)) func(int) func(context.Context) (time.Duration, error) {
		return func(int) func(context.Context) (time.Duration, error) { return op }
	}
	if f.paced, err = timeCase(log, "floor, 50 connections on schedule", func() ([]time.Duration, error) {
		return onSchedule(ctx, claimSessions, claimPerWorker, claimInterval, everyone(pop))
	}); err != nil {
		return f, err
	}
	if f.oneStatement, err = timeCase(log, "floor in one statement, 50 connections on schedule", func() ([]time.Duration, error) {
		return onSchedule(ctx, claimSessions, claimPerWorker, claimInterval, everyone(popOne))
	}); err != nil {
		return f, err
	}
	f.flat, err = timeCase(log, "floor, 50 connections flat out", func() ([]time.Duration, error) {
		return concurrently(ctx, claimSessions, func(ctx context.Context, _ int) ([]time.Duration, error) {
			return repeat(ctx, claimPerWorker, pop)
		})
	})
	return f, err
}

// onSchedule runs n workers, each doing perWorker operations interval
// apart, the workers' schedules spread evenly over one interval. An
// operation's latency counts from when it was due, so an operation that
// starts late because the one before it ran long counts the wait. op times
// only what it measures (a claim, not the call's end that follows it).
func onSchedule(ctx context.Context, n, perWorker int, interval time.Duration,
	opOf func(i int) func(context.Context) (time.Duration, error)) ([]time.Duration, error) {
	begin := time.Now().Add(interval)
	return concurrently(ctx, n, func(ctx context.Context, i int) ([]time.Duration, error) {
		op := opOf(i)
		first := begin.Add(interval * time.Duration(i) / time.Duration(n))
		d := make([]time.Duration, 0, perWorker)
		for k := range perWorker {
			// Late only when the worker's previous operation ran past this
			// one's time; the timer's own wake-up jitter is not the
			// database's.
			var late time.Duration
			if wait := time.Until(first.Add(interval * time.Duration(k))); wait > 0 {
				time.Sleep(wait)
			} else {
				late = -wait
			}
			elapsed, err := op(ctx)
			if err != nil {
				return nil, err
			}
			d = append(d, late+elapsed)
		}
		return d, nil
	})
}

// timeCase runs one case and tells stderr how long it took and how many
// operations per second it made.
func timeCase(log io.Writer, name string, run func() ([]time.Duration, error)) ([]time.Duration, error) {
	start := time.Now()
	d, err := run()
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(log, "callingbench claim: %s: %d in %v, %.0f/s; %s\n",
		name, len(d), elapsed.Round(time.Millisecond), float64(len(d))/elapsed.Seconds(), spread(d))
	return d, nil
}

// repeat runs op n times in a row and returns its timings.
func repeat(ctx context.Context, n int, op func(context.Context) (time.Duration, error)) ([]time.Duration, error) {
	d := make([]time.Duration, 0, n)
	for range n {
		elapsed, err := op(ctx)
		if err != nil {
			return nil, err
		}
		d = append(d, elapsed)
	}
	return d, nil
}

// concurrently runs work on n goroutines released at the same moment and
// returns all their timings, or the first error.
func concurrently(ctx context.Context, n int, work func(ctx context.Context, i int) ([]time.Duration, error)) ([]time.Duration, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		all   []time.Duration
		first error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	release := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
			d, err := work(ctx, i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
				cancel()
			}
			all = append(all, d...)
		}()
	}
	close(release)
	wg.Wait()
	return all, first
}

// latency is the p50 and p99 figures of one case; name has a %d for which.
func latency(name string, d []time.Duration) []figure {
	return []figure{
		{fmt.Sprintf(name, 50), ms(percentile(d, 50)), "%.2f", "ms"},
		{fmt.Sprintf(name, 99), ms(percentile(d, 99)), "%.2f", "ms"},
	}
}

// spread describes d for the log: "p50 …, p90 …, p99 …, max … ms". It
// sorts d.
func spread(d []time.Duration) string {
	return fmt.Sprintf("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
		ms(percentile(d, 50)), ms(percentile(d, 90)), ms(percentile(d, 99)), ms(d[len(d)-1]))
}

// percentile sorts d and returns its p-th percentile, d[n*p/100].
func percentile(d []time.Duration, p int) time.Duration {
	slices.Sort(d)
	return d[len(d)*p/100]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
