package chaos

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/queue"
)

// Config of a drill.
type Config struct {
	// Callingd is the path of the callingd binary (see Build).
	Callingd string
	// DatabaseURL is an empty, migrated database for the drill. The
	// PostgreSQL restart drill ignores it: it runs a cluster of its own.
	DatabaseURL string
	// Dir receives the servers' logs; it must exist.
	Dir string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Evening is how long the leaders work before the evening ends
	// (default 12 s); the fault strikes a third of the way in.
	Evening time.Duration
	// Lease is every server's --lease (default 3 s).
	Lease time.Duration
	// Seed makes the phones' scripts and the panel's choices repeatable.
	Seed uint64
}

// The defaults of Config.
const (
	DefaultEvening = 12 * time.Second
	DefaultLease   = 3 * time.Second
)

func (c Config) withDefaults() Config {
	if c.Evening == 0 {
		c.Evening = DefaultEvening
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	return c
}

// TakeoverMargin is how long past its lease a dead instance's sessions may
// take to be driven again: one renewal period (a third of the lease) for
// the survivor to look, and three seconds to end what the dead one left
// and ring twenty leaders again on a machine busy with other tests.
func TakeoverMargin(lease time.Duration) time.Duration { return lease/3 + 3*time.Second }

// Result is what a drill found. Every count should be zero.
type Result struct {
	Scenario string
	// StuckSessions: sessions that stopped: no call for a leader who
	// wants the phone after the fault, a leader left in silence after a
	// restart, a phone request held after the evening ended, or a resume
	// that did not ring the leader and dial the supporter next in line.
	StuckSessions int
	// LiveRecordsAfter: call records still live once the evening settled
	// (every leader hung up), after it or after the resumes.
	LiveRecordsAfter int
	// DoubleDials: a supporter with two live legs at one moment (R7.2),
	// sampled from the phone network and the records, or found afterwards
	// as overlapping records.
	DoubleDials int
	// LostWrites: contacts and skips the panel was told were stored but
	// are missing or stored twice, and dialled legs without a record.
	LostWrites int
	// UnclearEnds: legs live when the fault struck that ended without a
	// cause on their record (R10.5: ended with a clear cause).
	UnclearEnds int
	// StrayChannels: channels left in Asterisk once the evening settled.
	StrayChannels int
	// SilencedPrompts: leaders adopted after a restart some of whose
	// prompts or ringback never played (R10.5: no leader in silence).
	SilencedPrompts int
	// Takeover: for the two-instance drill, from the SIGKILL to the last
	// of the dead instance's sessions driven by the survivor.
	Takeover time.Duration
	// Problems says exactly what each count counted.
	Problems []string
	// Seed is the one the phones' scripts and the panel used.
	Seed uint64
	// What the evening did, for the report.
	Calls, Contacts, Skips int
	Elapsed                time.Duration
	// Logs holds what a reader of a failure needs: the tails of the
	// servers' logs, each stuck session's records and log lines, the
	// requests Asterisk refused, where the simulator's transcript was
	// saved.
	Logs string
}

// Clean reports whether every count is zero.
func (r Result) Clean() bool {
	return r.StuckSessions+r.LiveRecordsAfter+r.DoubleDials+r.LostWrites+r.UnclearEnds+r.StrayChannels+r.SilencedPrompts == 0
}

// Summary is one line of counts.
func (r Result) Summary() string {
	s := fmt.Sprintf("%s: stuck sessions %d, live records after %d, double dials %d, lost writes %d, unclear ends %d, stray channels %d, silenced prompts %d; %d supporter calls, %d panel contacts, %d panel skips in %v",
		r.Scenario, r.StuckSessions, r.LiveRecordsAfter, r.DoubleDials, r.LostWrites, r.UnclearEnds, r.StrayChannels, r.SilencedPrompts,
		r.Calls, r.Contacts, r.Skips, r.Elapsed.Round(100*time.Millisecond))
	if r.Takeover > 0 {
		s += fmt.Sprintf("; takeover %.2f s", r.Takeover.Seconds())
	}
	return s
}

// Scenario is one fault drill.
type Scenario struct {
	Name string
	// OwnCluster: the drill runs PostgreSQL itself (it restarts it), so
	// Config.DatabaseURL is ignored.
	OwnCluster bool
	strike     func(ctx context.Context, d *drill) error
}

// Scenarios are the drills of issue 12.
var Scenarios = []Scenario{KillRestart, TwoInstances, PostgresRestart, AsteriskRestart}

// drill is one run of a scenario: the database, the phone network, the
// servers, the evening's population and the observers.
type drill struct {
	cfg     Config
	dbURL   string
	cluster *cluster
	store   *queue.Store
	sim     *arisim.Sim
	world   *world
	watch   *watcher
	panel   *panel

	mu        sync.Mutex
	instances []*instance
	res       Result
	stuck     map[int64]bool  // sessions counted stuck
	live      map[int64]bool  // records counted live after settling
	strays    map[string]bool // channels counted left in Asterisk
	faultLegs []int64         // records live when a fault struck
	phonesAt  time.Time       // when the leaders clicked Start
}

// Run runs the drill. The error is the harness's (a database that cannot be
// created, a server that never starts); what the product did wrong is in
// the Result's counts and Problems.
func (sc Scenario) Run(ctx context.Context, cfg Config) (Result, error) {
	start := time.Now()
	cfg = cfg.withDefaults()
	d := &drill{cfg: cfg, dbURL: cfg.DatabaseURL, res: Result{Scenario: sc.Name, Seed: cfg.Seed},
		stuck: map[int64]bool{}, live: map[int64]bool{}, strays: map[string]bool{}}
	defer d.close()
	d.logf("start (seed %d)", d.cfg.Seed)
	err := d.setUp(ctx, sc.OwnCluster)
	if err == nil {
		err = sc.strike(ctx, d)
	}
	if err == nil {
		err = d.finish(ctx)
	}
	d.res.Elapsed = time.Since(start)
	d.res.Logs = d.tails() + d.explainStuck() + d.refusedRequests()
	if err != nil || !d.res.Clean() {
		d.res.Logs += d.saveTranscript()
	}
	if err != nil {
		return d.res, fmt.Errorf("%s: %w", sc.Name, err)
	}
	d.logf("%s", d.res.Summary())
	return d.res, nil
}

// setUp makes the database (or the private cluster), the phone network and
// the population.
func (d *drill) setUp(ctx context.Context, ownCluster bool) error {
	if ownCluster {
		c, err := startCluster(ctx)
		if err != nil {
			return err
		}
		d.cluster, d.dbURL = c, c.url("chaos")
	}
	if d.dbURL == "" {
		return fmt.Errorf("set up: no database (Config.DatabaseURL)")
	}
	pcfg, err := pgxpool.ParseConfig(d.dbURL)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	pcfg.MaxConns = 8 // the watcher, the panel and the checks at once
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	d.store = queue.NewStore(pool, nil)
	d.store.PasswordCost = 4 // bcrypt's least: twenty leaders are made per drill
	if _, err := queue.Migrate(ctx, pool); err != nil {
		return fmt.Errorf("set up: migrate: %w", err)
	}
	d.sim, err = arisim.Start(arisim.Config{Username: ariUser, Password: ariSecret, ToneZones: queue.ShippedToneZones(),
		SoundDuration: 500 * time.Millisecond, TranscriptLimit: 100_000})
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	if d.world, err = populate(ctx, d.store); err != nil {
		return err
	}
	d.world.scriptPhones(d.sim, d.cfg.Seed, d.cfg.Evening)
	return nil
}

// close stops what the drill started, whatever happened.
func (d *drill) close() {
	if d.panel != nil {
		d.panel.finish()
	}
	if d.watch != nil {
		d.watch.finish()
	}
	d.mu.Lock()
	instances := slices.Clone(d.instances)
	d.mu.Unlock()
	for _, in := range instances {
		in.stop()
	}
	if d.sim != nil {
		d.sim.Close()
	}
	if d.store != nil {
		d.store.Pool().Close()
	}
	if d.cluster != nil {
		d.cluster.stop()
	}
}

// serve starts an instance of callingd serve named name.
func (d *drill) serve(ctx context.Context, name string) (*instance, error) {
	d.mu.Lock()
	run := 0
	for _, in := range d.instances {
		if in.name == name {
			run++
		}
	}
	d.mu.Unlock()
	in, err := startInstance(ctx, d.cfg.Dir, serveArgs{callingd: d.cfg.Callingd, databaseURL: d.dbURL,
		ariURL: d.sim.URL(), ariPassword: ariSecret, lease: d.cfg.Lease}, name, run)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.instances = append(d.instances, in)
	d.mu.Unlock()
	d.logf("instance %s (run %d) ready at %s", name, run, in.addr)
	return in, nil
}

// startEvening is every leader's Start click, with the watcher and the
// panel at work from then on.
func (d *drill) startEvening(ctx context.Context) error {
	d.watch = startWatcher(ctx, d.sim, d.store, d.world)
	for _, s := range d.world.sessions {
		if _, err := d.store.RequestPhone(ctx, s.leader, s.id); err != nil {
			return fmt.Errorf("start the evening: session %d: %w", s.id, err)
		}
	}
	d.phonesAt = time.Now()
	d.panel = startPanel(ctx, d.store, d.world, d.cfg.Seed)
	return nil
}

// eveningEnd is when the leaders stop for the night.
func (d *drill) eveningEnd() time.Time { return d.phonesAt.Add(d.cfg.Evening) }

// midCallFloor is how many supporters must be talking before a fault
// strikes "mid-call".
const midCallFloor = 6

// awaitMidCall waits until a third of the evening has passed and at least
// midCallFloor supporters are talking to their leaders.
func (d *drill) awaitMidCall(ctx context.Context) error {
	notBefore := d.phonesAt.Add(d.cfg.Evening / 3)
	err := poll(ctx, 30*time.Second, 20*time.Millisecond, func() (bool, error) {
		return time.Now().After(notBefore) && d.supportersTalking() >= midCallFloor, nil
	}, fmt.Sprintf("%d supporters talking to their leaders", midCallFloor))
	if err != nil {
		return fmt.Errorf("the evening never got going: %w; channels now: %s", err, d.describeChannels())
	}
	return nil
}

// supportersTalking counts supporter channels answered and bridged.
func (d *drill) supportersTalking() int {
	n := 0
	for _, c := range d.sim.Channels() {
		if _, ok := d.world.supporterOf[c.Number]; ok && c.State == "Up" && c.Bridge != "" {
			n++
		}
	}
	return n
}

// noteFaultLegs remembers the records live as a fault strikes: each must
// end, with a cause (R10.5).
func (d *drill) noteFaultLegs(ctx context.Context) error {
	ids, err := d.liveRecordIDs(ctx)
	if err != nil {
		return fmt.Errorf("records live at the fault: %w", err)
	}
	d.mu.Lock()
	d.faultLegs = append(d.faultLegs, ids...)
	d.mu.Unlock()
	return nil
}

func (d *drill) liveRecordIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := d.store.Pool().QueryRow(ctx, `SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM call_records WHERE state <> 'ended'`).Scan(&ids)
	return ids, err
}

// stuckSession counts a session as stuck (once) and says why.
func (d *drill) stuckSession(id int64, why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.stuck[id] {
		d.stuck[id] = true
		d.res.StuckSessions++
	}
	d.res.Problems = append(d.res.Problems, fmt.Sprintf("stuck session %d: %s", id, why))
}

func (d *drill) logf(format string, args ...any) {
	fmt.Fprintf(d.cfg.Log, "chaos %s %s: %s\n", d.res.Scenario, time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}
