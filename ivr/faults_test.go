package ivr_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/ivr"
	"github.com/supporterbase/callingsessions/queue"
)

// Statements of the call flow, told apart by a piece of their SQL.
const (
	sqlCallEnded    = "WITH ended AS ("
	sqlCallAnswered = "SET state = CASE WHEN state = 'dialling' THEN 'answered'"
	sqlClaim        = "), on_call AS ("
	sqlRenewPhones  = "WHERE driver = $1 RETURNING session_id"
)

// dbFaults is a pgx tracer that breaks or slows chosen statements: a
// statement to fail has its connection closed under it before it is sent,
// as when the network or PostgreSQL drops it.
type dbFaults struct {
	mu    sync.Mutex
	fail  map[string]int // statement → which coming run fails (1 = the next)
	delay map[string]delayed
	// now is the rig's clock; brokeAt when each statement was broken.
	now     func() time.Time
	brokeAt map[string]time.Time
}

// broken returns when the statement was last broken.
func (f *dbFaults) broken(statement string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.brokeAt[statement]
}

type delayed struct {
	nth  int // which coming run is slowed (1 = the next)
	wait time.Duration
}

// failing makes every run of the statement fail (n = -1 in fail) until
// healed.
const failing = -1

// failAll makes every coming run of the statement fail until heal.
func (f *dbFaults) failAll(statement string) { f.failRun(statement, failing) }

// heal ends failAll.
func (f *dbFaults) heal(statement string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.fail, statement)
}

// failRun makes the nth coming run of the statement fail.
func (f *dbFaults) failRun(statement string, nth int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[string]int{}
	}
	f.fail[statement] = nth
}

// slowRun makes the nth coming run of the statement wait first.
func (f *dbFaults) slowRun(statement string, nth int, wait time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.delay == nil {
		f.delay = map[string]delayed{}
	}
	f.delay[statement] = delayed{nth: nth, wait: wait}
}

// act breaks or slows the statement if it is due.
func (f *dbFaults) act(conn *pgx.Conn, sql string) {
	f.mu.Lock()
	var breakIt bool
	var wait time.Duration
	for statement, nth := range f.fail {
		if strings.Contains(sql, statement) && (nth == failing || nth == 1) && f.now != nil {
			if f.brokeAt == nil {
				f.brokeAt = map[string]time.Time{}
			}
			f.brokeAt[statement] = f.now()
		}
		if strings.Contains(sql, statement) {
			switch nth {
			case failing:
				breakIt = true
			case 1:
				breakIt = true
				delete(f.fail, statement)
			default:
				f.fail[statement] = nth - 1
			}
		}
	}
	for statement, d := range f.delay {
		if strings.Contains(sql, statement) {
			if d.nth == 1 {
				wait = d.wait
				delete(f.delay, statement)
			} else {
				f.delay[statement] = delayed{nth: d.nth - 1, wait: d.wait}
			}
		}
	}
	f.mu.Unlock()
	time.Sleep(wait)
	if breakIt {
		conn.PgConn().Conn().Close()
	}
}

func (f *dbFaults) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	f.act(conn, data.SQL)
	return ctx
}

func (f *dbFaults) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (f *dbFaults) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	for _, q := range data.Batch.QueuedQueries {
		f.act(conn, q.SQL)
	}
	return ctx
}

func (f *dbFaults) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (f *dbFaults) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestWriteFailsOnce: a statement of the call flow fails once on a broken
// connection; the evening goes on without the leader pressing anything
// twice, and every record ends as it happened (R7.2, R12). Before, a failed
// end left the supporter "on a call" and every later key said "technical
// problem"; a failed claim needed a second key; a failed answer left a
// talked-to supporter's record without its answer.
func TestWriteFailsOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		statement string
		nth       int // which run of it fails
	}{
		{"the first claim", sqlClaim, 1},
		{"a supporter's answer", sqlCallAnswered, 2}, // the leader's is the first
		{"a supporter's end", sqlCallEnded, 1},
		{"the claim after an end", sqlClaim, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 3)
			r.faults.failRun(tc.statement, tc.nth)
			r.startEngine("a", r.tel)
			sess := r.start(r.leader)
			r.bridged(r.phone(0))
			r.press("*")
			r.wrapUp(sess.ID, 0)
			r.press("1")
			r.bridged(r.phone(1))
			r.recordsEnd(sess.ID, "leader:"+leaderMobile+":live answered",
				"supporter:"+r.phone(0)+":answered", "supporter:"+r.phone(1)+":live answered")
			r.answeredAtSet(sess.ID)
			if n := r.contacts(sess.ID); n != 1 {
				t.Fatalf("%d contacts logged, want the one of the key 1", n)
			}
			if tc.statement == sqlCallEnded {
				// The end made again records when the leg ended, not when
				// the database answered again (duration, cool-down).
				var ended time.Time
				if err := r.store.Pool().QueryRow(context.Background(), `SELECT ended_at FROM call_records
					WHERE session_id = $1 AND leg = 'supporter' ORDER BY id LIMIT 1`, sess.ID).Scan(&ended); err != nil {
					t.Fatal(err)
				}
				if broke := r.faults.broken(sqlCallEnded); ended.After(broke) {
					t.Fatalf("the supporter's call ended at %v, after its end's write failed (%v): the retry's time", ended, broke)
				}
			}
		})
	}
}

// TestClaimsLostAnswer: a claim was made but its answer never came back (the
// connection broke after the commit), so the session has a live supporter
// leg its call does not hold. The next key's claim meets it, ends it as cut
// and calls that supporter first, at once (R4.4, R7.2).
func TestClaimsLostAnswer(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	sess, _ := r.lostClaimInWrapUp()
	r.press("2")
	r.bridged(r.phone(1))
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":live answered", "supporter:"+r.phone(0)+":answered",
		"supporter:"+r.phone(1)+":cut", "supporter:"+r.phone(1)+":live answered")
}

// lostClaimInWrapUp runs an engine and a session until its leader is in
// wrap-up after the first supporter, then claims the next supporter behind
// the call's back, as a claim whose answer was lost does.
func (r *rig) lostClaimInWrapUp() (queue.Session, queue.Claim) {
	r.t.Helper()
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.bridged(r.phone(0))
	r.press("*")
	r.wrapUp(sess.ID, 0)
	cl, _, err := r.store.Claim(context.Background(), r.org.ID, sess.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return sess, cl
}

// TestAuditEndsUnrecordedLeg: a record left live behind a driven session's
// back (its end never written) keeps its supporter "on a call" to every
// session; the periodic audit ends it without any key (R7.2, R10.5).
func TestAuditEndsUnrecordedLeg(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 3)
	_, cl := r.lostClaimInWrapUp()
	r.wait("the audit to end the unrecorded leg", func() bool {
		c, err := r.store.Call(ctx, r.org.ID, cl.Call.ID)
		return err == nil && c.State == queue.CallEnded
	})
	c, _ := r.store.Call(ctx, r.org.ID, cl.Call.ID)
	if c.Outcome != queue.OutcomeCut || !strings.Contains(c.HangupCauseText, "not recorded") {
		t.Fatalf("the unrecorded leg ended %s (%q), want cut, saying its end was not recorded", c.Outcome, c.HangupCauseText)
	}
}

// TestMailboxFloodResyncs: while the session's goroutine waits on a slow
// write, the supporter's phone sends a burst of keys and hangs up; the
// mailbox drops what passes its limit, the hang-up among them. The driver
// notices the drop, asks Asterisk how its legs are, and the evening goes
// on: wrap-up, then a supporter on the line again (R10.1). Before, the call
// waited for ever for an end it had dropped.
func TestMailboxFloodResyncs(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.mailboxLimit = 4
	var keys []arisim.KeyPress
	for i := range 30 {
		keys = append(keys, arisim.KeyPress{After: time.Duration(i+1) * time.Millisecond, Digit: "5", Duration: time.Millisecond})
	}
	r.sim.SetScript(r.phone(0), arisim.Script{Keys: keys, HangupAfter: 100 * time.Millisecond})
	r.faults.slowRun(sqlCallAnswered, 2, 500*time.Millisecond) // the supporter's answer
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.wrapUp(sess.ID, 0)
	r.sim.SetScript(r.phone(0), arisim.Script{}) // flooded once is enough
	// A key pressed during the flood is lost with it: the leader, hearing
	// nothing, presses again. Whether the first supporter's answer was seen
	// before the burst decides whether they are called again first (cut,
	// R4.4) or the next one is.
	next := time.Now()
	var talking string
	r.wait("a supporter on the line again", func() bool {
		for _, ch := range r.sim.Channels() {
			if ch.Number != leaderMobile && ch.Bridge != "" {
				talking = ch.ID
				return true
			}
		}
		if time.Now().After(next) {
			r.press("1")
			next = time.Now().Add(time.Second)
		}
		return false
	})
	var live []string
	for _, rec := range r.records(sess.ID) {
		if strings.Contains(rec, ":live") {
			live = append(live, rec)
		}
	}
	if len(live) != 2 {
		t.Fatalf("live records %q, want the leader's and the supporter's on %s only\n%s", live, talking, r.allRecords())
	}
}

// TestSlowAsteriskKeepsLeases: Asterisk takes 1.5 s to create each leg, and
// four leaders start at once. Each session's leader is rung on its own
// goroutine, and leases are renewed on theirs, so the second instance
// takes none of the sessions over (R10.5). Before, the engine rang the
// leaders one after another on the goroutine that renews leases, which
// then lapsed, and the other instance rang leaders again mid-call.
func TestSlowAsteriskKeepsLeases(t *testing.T) {
	t.Parallel()
	r := newRig(t, 8)
	var sessions []queue.Session
	for i, mobile := range []string{"+447400100001", "+447400100002", "+447400100003", "+447400100004"} {
		sessions = append(sessions, r.start(r.user("leader"+string(rune('a'+i)), mobile)))
	}
	// The first instance takes the four requests at once; the second
	// starts once it drives one, so it can only take sessions over.
	a, _ := r.engine("a", r.connectTo(slowCreate(t, r.sim.URL(), 1500*time.Millisecond)+"/ari"))
	r.wait("the first instance to drive a session", func() bool { return a.Driving(sessions[0].ID) })
	b, _ := r.engine("b", r.connect())
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range sessions {
			if b.Driving(s.ID) {
				t.Fatalf("session %d was taken over by the other instance while its leader was rung", s.ID)
			}
		}
		r.clock.Advance(100 * time.Millisecond)
		time.Sleep(20 * time.Millisecond)
	}
	for _, mobile := range []string{"+447400100001", "+447400100002", "+447400100003", "+447400100004"} {
		r.up(mobile)
	}
}

// slowCreate is a proxy in front of the simulator that holds every
// channel create for wait, as an overloaded Asterisk does.
func slowCreate(t *testing.T, simURL string, wait time.Duration) string {
	t.Helper()
	target, err := url.Parse(strings.TrimSuffix(simURL, "/ari"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/channels/create") {
			time.Sleep(wait)
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestClockAheadTakesNothing: two instances on one database, the second's
// clock 2 minutes ahead. It takes over no session while the first lives;
// once the first dies it takes its session over within the lease (R10.5).
func TestClockAheadTakesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	stopA := r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.bridged(r.phone(0))
	ahead := aheadClock{simClock{r.clock}, 2 * time.Minute}
	b, _ := r.engineWith(queue.NewStore(r.store.Pool(), ahead), ahead, "b", r.connect())
	deadline := time.Now().Add(3 * time.Second) // over a lease
	for time.Now().Before(deadline) {
		if b.Driving(sess.ID) {
			t.Fatal("the instance whose clock runs ahead took over a live session")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopA()
	died := time.Now()
	r.wait("the other instance to take the session over", func() bool { return b.Driving(sess.ID) })
	if took := time.Since(died); took > 4*time.Second {
		t.Fatalf("took %v to take over, want within the lease (2 s) and a renewal", took)
	}
}

// aheadClock is an instance's clock running ahead of the others.
type aheadClock struct {
	simClock
	by time.Duration
}

func (c aheadClock) Now() time.Time { return c.simClock.Now().Add(c.by) }

// answeredAtSet fails unless every answered record of the session has its
// answer time.
func (r *rig) answeredAtSet(sessionID int64) {
	r.t.Helper()
	var missing int
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM call_records
		WHERE session_id = $1 AND (outcome = 'answered' OR state = 'answered') AND answered_at IS NULL`, sessionID).Scan(&missing); err != nil {
		r.t.Fatal(err)
	}
	if missing > 0 {
		r.t.Fatalf("%d answered records have no answer time\n%s", missing, r.allRecords())
	}
}

// contacts counts the session's logged contacts.
func (r *rig) contacts(sessionID int64) int {
	r.t.Helper()
	var n int
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM contacts WHERE session_id = $1`, sessionID).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// TestLeaseLostHangsUp: the instance cannot renew its leases for a whole
// lease (its database unreachable while Asterisk is not): another instance
// may be taking its sessions over, so it hangs up its calls rather than
// drive them twice; once the database answers, the records end and the
// session is paused, its supporter cut and first on resume (R4.4, R10.5).
func TestLeaseLostHangsUp(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.bridged(r.phone(0))
	r.faults.failAll(sqlRenewPhones)
	lost := time.Now()
	r.gone(leaderMobile)
	r.gone(r.phone(0))
	if took := time.Since(lost); took < 2*time.Second {
		t.Fatalf("calls hung up %v after renewals began failing, before the lease (2 s) ran out", took)
	}
	r.faults.heal(sqlRenewPhones)
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":answered", "supporter:"+r.phone(0)+":cut")
	r.phoneOver(sess.ID)
}

// TestStopReportsWritesNotMade: the server stops while the database
// refuses a call's end; Run makes one last try and then says which write it
// could not make (issue 12: it returned nil whatever happened), and the
// next instance's reconciliation ends the record.
func TestStopReportsWritesNotMade(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	e, err := ivr.New(r.store, r.tel, ivr.Config{Driver: "a", Clock: simClock{r.clock}, Lease: 2 * time.Second,
		RenewEvery: 100 * time.Millisecond, Registerer: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)).With("engine", "stopping")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- e.Run(ctx) }()
	sess := r.start(r.leader)
	r.bridged(r.phone(0))
	r.faults.failAll(sqlCallEnded)
	r.press("*")
	r.gone(r.phone(0))
	time.Sleep(300 * time.Millisecond) // a retry or two
	cancel()
	err = <-stopped
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("session %d", sess.ID)) {
		t.Fatalf("Run returned %v, want the session's write not made", err)
	}
	r.faults.heal(sqlCallEnded)
	r.startEngine("a", r.connect())
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":live answered", "supporter:"+r.phone(0)+":cut")
}
