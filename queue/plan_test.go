package queue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
)

// The plans of the claim, the View all supporters sheet and the dashboard
// stats rest on planner settings (claimSettings), `sort_key + 0`
// (nextToCallSQL) and `OFFSET 0` (countAvailable), and on partial indexes
// whose predicates the statements must imply. A harmless-looking edit to
// any of them turns a read of a few index entries into a scan of every
// session's queue, and every other test still passes. TestPlans asks
// PostgreSQL for the plans of the statements exactly as the Store sends
// them (recorded as it sends them, so the test follows the real SQL), on a
// populated and analysed database.

// The fixture: a list of planSupporters supporters with planSessions
// sessions on it, and another organisation's planOtherSupporters, so that
// reading all of session_supporters or supporters is plainly dearer than
// reading one queue by index, as in production.
const (
	planSupporters      = 5000
	planSessions        = 4
	planOtherSupporters = 25000
)

// planCase is one Store call whose first statement's plan is checked.
type planCase struct {
	name string
	run  func(ctx context.Context) error
	// modes are the plan_cache_mode values to plan in: a statement run
	// with pgx's statement cache gets custom plans first and the generic
	// plan once PostgreSQL prefers it, so both must hold. "" plans with
	// only the settings the Store sends itself.
	modes []string
	// reads are indexes the plan must read, each with the reason.
	reads []planRead
	// walk, if set, is an index the plan's subplan walkIn (a CTE, by
	// EXPLAIN's name for it) must read in order: an index scan, no sort.
	walk, walkIn string
	// generic: the statement is planned once, generically, and joins by
	// nested loops only (claimSettings).
	generic bool
}

// planRead is an index a plan must read, and why.
type planRead struct{ index, why string }

var (
	bothPlans = []string{"force_custom_plan", "force_generic_plan"}
	// nextToCallReads: nextToCallSQL reads the unheld rows by the claim
	// index and the held rows by theirs.
	nextToCallReads = []planRead{
		{"session_supporters_claimable", "next to call's walk of the rows not held"},
		{"session_supporters_held", "next to call's read of the held rows (the `+ 0` in nextToCallSQL)"},
	}
)

// TestPlans: the claim picks its supporter by walking the claim index
// (session_supporters_claimable, migration 0005) in queue order; the stats
// count the available supporters by the claim index and the held rows'
// index, asking about each supporter in turn (the `OFFSET 0` in
// countAvailable); the sheet finds the next to call by the same indexes
// (the `+ 0` in nextToCallSQL); and none of them reads session_supporters
// or supporters by a sequential scan.
func TestPlans(t *testing.T) {
	t.Parallel()
	pw := newPlanWorld(t)
	cases := []planCase{{
		// Claim always runs with the generic plan its settings force.
		name: "Claim", modes: []string{""}, walk: "session_supporters_claimable", walkIn: "CTE next", generic: true,
		run: func(ctx context.Context) error {
			_, ok, err := pw.s.Claim(ctx, pw.org.ID, pw.session)
			if err == nil && !ok {
				err = fmt.Errorf("claimed nobody")
			}
			return err
		},
	}, {
		name: "Stats", modes: bothPlans,
		reads: []planRead{
			{"session_supporters_claimable", "the available count's walk of the rows not held, supporter by supporter (the `OFFSET 0` in countAvailable)"},
			{"session_supporters_held", "the available count's read of the held rows"},
		},
		run: func(ctx context.Context) error {
			_, err := pw.s.SessionStats(ctx, pw.org.ID, pw.session)
			return err
		},
	}}
	for _, page := range []struct {
		name  string
		q     queue.SupporterQuery
		reads []planRead
	}{
		{"FirstPage", queue.SupporterQuery{}, nil},
		{"LaterPage", queue.SupporterQuery{After: pw.cursor}, nil},
		{"Available", queue.SupporterQuery{Status: queue.SupporterAvailable}, nil},
		{"Skipped", queue.SupporterQuery{Status: queue.SupporterSkipped}, nil},
		{"Unavailable", queue.SupporterQuery{Status: queue.SupporterUnavailable}, nil},
		{"Completed", queue.SupporterQuery{Status: queue.SupporterCompleted},
			[]planRead{{"session_supporters_completed", "the completed rows (migration 0005)"}}},
		{"SearchName", queue.SupporterQuery{Search: "smith"}, nil},
		{"SearchPhone", queue.SupporterQuery{Search: "020 0000 1234"}, nil},
	} {
		cases = append(cases, planCase{
			name: "Supporters" + page.name, modes: bothPlans, reads: slices.Concat(page.reads, nextToCallReads),
			run: func(ctx context.Context) error {
				_, err := pw.s.SessionSupporters(ctx, pw.org.ID, pw.session, page.q)
				return err
			},
		})
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sent := record(t, tc.run)
			for _, mode := range tc.modes {
				plan, generic := pw.explain(t, sent, mode)
				if mode != "" && generic != (mode == "force_generic_plan") {
					t.Fatalf("%s: asked for %s, got generic %v", tc.name, mode, generic)
				}
				problems := planProblems(plan, tc.reads, tc.walk, tc.walkIn)
				if tc.generic {
					problems = append(problems, genericProblems(plan, generic)...)
				}
				for _, problem := range problems {
					t.Errorf("%s (%s): %s", tc.name, planMode(mode), problem)
				}
				if t.Failed() {
					t.Fatalf("the plan (%s):\n%s\nof\n%s", planMode(mode), plan, firstPlanned(sent).sql)
				}
			}
		})
	}
}

func planMode(mode string) string {
	if mode == "" {
		return "as the Store runs it"
	}
	return mode
}

// planProblems says what is wrong with plan: a sequential scan of
// session_supporters or supporters anywhere, an index of reads not read,
// or, when walk is set, the subplan walkIn not reading the index walk in
// order.
func planProblems(plan planNode, reads []planRead, walk, walkIn string) []string {
	var problems []string
	read := map[string]bool{}
	plan.walk(func(n planNode) {
		read[n.Index] = true
		if n.NodeType == "Seq Scan" && (n.Relation == "session_supporters" || n.Relation == "supporters") {
			problems = append(problems, fmt.Sprintf("reads all of %s (as %s) by a sequential scan", n.Relation, n.Alias))
		}
	})
	for _, r := range reads {
		if !read[r.index] {
			problems = append(problems, fmt.Sprintf("does not read %s: %s", r.index, r.why))
		}
	}
	if walk == "" {
		return problems
	}
	var in *planNode
	plan.walk(func(n planNode) {
		if n.SubplanName == walkIn && in == nil {
			in = &n
		}
	})
	if in == nil {
		return append(problems, fmt.Sprintf("has no %s to check (has the statement changed shape?)", walkIn))
	}
	walked := false
	in.walk(func(n planNode) {
		switch {
		case (n.NodeType == "Index Scan" || n.NodeType == "Index Only Scan") && n.Index == walk:
			walked = true
		case n.NodeType == "Sort" || n.NodeType == "Incremental Sort":
			problems = append(problems, fmt.Sprintf("%s sorts (a %s) instead of reading %s in order", walkIn, n.NodeType, walk))
		}
	})
	if !walked {
		problems = append(problems, fmt.Sprintf("%s does not walk %s by an index scan", walkIn, walk))
	}
	return problems
}

// genericProblems says how plan, generic or not, fails claimSettings: the
// generic plan, planned once for every claim, and nested loops only.
func genericProblems(plan planNode, generic bool) []string {
	var problems []string
	if !generic {
		problems = append(problems, "is planned afresh (a custom plan), not once (plan_cache_mode in claimSettings)")
	}
	plan.walk(func(n planNode) {
		if n.NodeType == "Hash Join" || n.NodeType == "Merge Join" {
			problems = append(problems, fmt.Sprintf("joins by a %s, not nested loops (enable_hashjoin and enable_mergejoin in claimSettings)", n.NodeType))
		}
	})
	return problems
}

// planWorld is newWorld's organisation with planSessions sessions on its
// list, one of them (session) part-way through its first cycle, and a
// Store whose statements are recorded.
type planWorld struct {
	*world
	s       *queue.Store // world.s on a pool that records what it sends
	session int64
	cursor  string // the sheet's second page
}

func newPlanWorld(t *testing.T) *planWorld {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t, planSupporters)
	pool := w.s.Pool()
	// Names to search for: one supporter in fifty is a Smith.
	if _, err := pool.Exec(ctx, `
		UPDATE supporters SET first_name = 'Supporter ' || id,
			last_name = CASE WHEN id % 50 = 0 THEN 'Smith' ELSE 'Jones' || id % 997 END
		WHERE organisation_id = $1`, w.org.ID); err != nil {
		t.Fatal(err)
	}
	sessions := []int64{w.mustSession(t, w.leader).ID}
	for i := 1; i < planSessions; i++ {
		leader, err := w.s.CreateUser(ctx, w.org.ID, queue.UserInput{
			FirstName: fmt.Sprintf("Leader %d", i), Email: fmt.Sprintf("plan-leader%d@example.org", i),
			Password: "a long enough secret", Mobile: fmt.Sprintf("+4474001%05d", i), Admin: true})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, w.mustSession(t, leader).ID)
	}
	pw := &planWorld{world: w, session: sessions[0]}

	// Another session of the list called the head of the queue: those
	// supporters are in their cool-down, which the session's claims walk
	// past and hold (migration 0005).
	for range 5 {
		dial(t, w, sessions[1], queue.OutcomeNoAnswer, 0)
	}
	// The session is a fifth of the way through its first cycle: past the
	// cool-downs, a run of supporters called, a quarter of them contacted,
	// and leader skips for the cycle and removals throughout.
	if _, err := pool.Exec(ctx, `
		WITH q AS (
			SELECT supporter_id, row_number() OVER (ORDER BY sort_key) AS n
			FROM session_supporters WHERE session_id = $1
		), row AS (
			SELECT supporter_id, n BETWEEN 20 AND 1000 AS called, n BETWEEN 20 AND 1000 AND n % 4 = 0 AS contacted,
				CASE WHEN n % 97 = 0 THEN 'cycle'::skip_type WHEN n % 89 = 0 THEN 'remove' END AS skip
			FROM q
		)
		UPDATE session_supporters ss SET attempted = row.called,
			completed_at = CASE WHEN row.contacted THEN $3::timestamptz END,
			completed_by = CASE WHEN row.contacted THEN $2::bigint END,
			skip_type = row.skip,
			skip_reason = CASE WHEN row.skip = 'remove' THEN 'wrong number' END,
			skipped_by = CASE WHEN row.skip IS NOT NULL THEN $2::bigint END,
			skipped_at = CASE WHEN row.skip IS NOT NULL THEN $3::timestamptz END
		FROM row WHERE ss.session_id = $1 AND ss.supporter_id = row.supporter_id`,
		pw.session, w.leader.ID, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		dial(t, w, pw.session, queue.OutcomeNoAnswer, 0)
	}
	// The supporters table holds every organisation's supporters: one
	// list is a small part of it.
	other := mustOrganisation(t, w.s, "plan-other")
	mustSupporters(t, w.s, other.ID, mustGroup(t, w.s, other.ID, "South").ID, planOtherSupporters)
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		t.Fatal(err)
	}
	page, err := w.s.SessionSupporters(ctx, w.org.ID, pw.session, queue.SupporterQuery{})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	pw.cursor = page.NextCursor

	cfg := pool.Config().Copy()
	cfg.ConnConfig.Tracer = statementRecorder{}
	recording, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(recording.Close)
	pw.s = queue.NewStore(recording, w.clock)
	return pw
}

// sentStatement is a statement as the Store sent it, with its arguments.
type sentStatement struct {
	sql  string
	args []any
}

// sentStatements collects the statements sent on one context.
type sentStatements struct {
	mu   sync.Mutex
	list []sentStatement
}

type sentKey struct{}

// statementRecorder is a pgx tracer that adds each statement, alone or in
// a batch, to the sentStatements of the context it is sent on, if any.
type statementRecorder struct{}

func (statementRecorder) add(ctx context.Context, sql string, args []any) {
	if sent, ok := ctx.Value(sentKey{}).(*sentStatements); ok {
		sent.mu.Lock()
		defer sent.mu.Unlock()
		sent.list = append(sent.list, sentStatement{sql, args})
	}
}

func (r statementRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.add(ctx, data.SQL, data.Args)
	return ctx
}

func (statementRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (statementRecorder) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (r statementRecorder) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	r.add(ctx, data.SQL, data.Args)
}

func (statementRecorder) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// record runs fn and returns the statements it sent.
func record(t *testing.T, fn func(context.Context) error) []sentStatement {
	t.Helper()
	sent := &sentStatements{}
	if err := fn(context.WithValue(context.Background(), sentKey{}, sent)); err != nil {
		t.Fatal(err)
	}
	sent.mu.Lock()
	defer sent.mu.Unlock()
	return sent.list
}

// isSettings: a statement of set_config(…, true) calls that the Store
// sends before a statement, in its transaction, to set the planner up.
func isSettings(st sentStatement) bool {
	return strings.HasPrefix(strings.TrimSpace(st.sql), "SELECT set_config(")
}

// firstPlanned is the first statement sent that is not settings.
func firstPlanned(sent []sentStatement) sentStatement {
	for _, st := range sent {
		if !isSettings(st) {
			return st
		}
	}
	return sentStatement{}
}

var planStatements atomic.Int64

// explain plans firstPlanned(sent) as the Store runs it: in a transaction
// that first runs the settings sent before it, as a prepared statement
// (pgx prepares every statement) executed with the arguments it was sent
// with. mode, unless "", sets plan_cache_mode before the settings. generic
// says whether PostgreSQL chose the generic plan.
func (pw *planWorld) explain(t *testing.T, sent []sentStatement, mode string) (plan planNode, generic bool) {
	t.Helper()
	ctx := context.Background()
	conn, err := pw.world.s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if mode != "" {
		if _, err := tx.Exec(ctx, `SELECT set_config('plan_cache_mode', $1, true)`, mode); err != nil {
			t.Fatal(err)
		}
	}
	var st sentStatement
	for _, st = range sent {
		if !isSettings(st) {
			break
		}
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			t.Fatalf("settings: %v\n%s", err, st.sql)
		}
	}
	if st.sql == "" || isSettings(st) {
		t.Fatalf("no statement to plan among the %d sent", len(sent))
	}

	sql, args := st.sql, st.args
	if len(args) > 0 {
		if rw, ok := args[0].(pgx.QueryRewriter); ok {
			if sql, args, err = rw.RewriteQuery(ctx, conn.Conn(), sql, args[1:]); err != nil {
				t.Fatal(err)
			}
		}
	}
	name := fmt.Sprintf("plan_test_%d", planStatements.Add(1))
	sd, err := conn.Conn().Prepare(ctx, name, sql)
	if err != nil {
		t.Fatalf("prepare: %v\n%s", err, sql)
	}
	defer func() { _ = conn.Conn().Deallocate(ctx, name) }()
	// EXECUTE takes the arguments as literals, in their text form.
	literals := make([]string, len(args))
	for i, a := range args {
		text, err := conn.Conn().TypeMap().Encode(sd.ParamOIDs[i], pgtype.TextFormatCode, a, nil)
		if err != nil {
			t.Fatalf("argument $%d (%v): %v", i+1, a, err)
		}
		literals[i] = "NULL"
		if text != nil {
			literals[i] = "'" + strings.ReplaceAll(string(text), "'", "''") + "'"
		}
	}
	explain := "EXPLAIN (FORMAT JSON) EXECUTE " + name
	if len(literals) > 0 {
		explain += "(" + strings.Join(literals, ", ") + ")"
	}
	var out []byte
	if err := tx.QueryRow(ctx, explain).Scan(&out); err != nil {
		t.Fatalf("explain: %v\n%s", err, sql)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN gave %s: %v", out, err)
	}
	if err := tx.QueryRow(ctx, `SELECT generic_plans > 0 FROM pg_prepared_statements WHERE name = $1`, name).Scan(&generic); err != nil {
		t.Fatal(err)
	}
	return plans[0].Plan, generic
}

// planNode is a node of the tree EXPLAIN (FORMAT JSON) gives.
type planNode struct {
	NodeType    string     `json:"Node Type"`
	Relation    string     `json:"Relation Name"`
	Alias       string     `json:"Alias"`
	Index       string     `json:"Index Name"`
	SubplanName string     `json:"Subplan Name"`
	Plans       []planNode `json:"Plans"`
}

// walk calls fn on n and every node below it, depth first.
func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

// String draws the tree, a node a line, as EXPLAIN's text form does.
func (n planNode) String() string {
	var b strings.Builder
	var draw func(n planNode, depth int)
	draw = func(n planNode, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		if n.SubplanName != "" {
			b.WriteString("[" + n.SubplanName + "] ")
		}
		b.WriteString(n.NodeType)
		if n.Index != "" {
			b.WriteString(" using " + n.Index)
		}
		if n.Relation != "" {
			b.WriteString(" on " + n.Relation + " " + n.Alias)
		}
		b.WriteString("\n")
		for _, c := range n.Plans {
			draw(c, depth+1)
		}
	}
	draw(n, 0)
	return b.String()
}
