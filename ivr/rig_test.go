package ivr_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/ivr"
	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// rig is a phone network (the ARI simulator, reached by the real ari/v5
// client over HTTP and WebSocket), a real database, and engines driving
// sessions, on one fake clock.
type rig struct {
	t          *testing.T
	clock      *arisim.FakeClock
	sim        *arisim.Sim
	store      *queue.Store
	tel        *ari.Client
	org        queue.Organisation
	list       queue.List
	leader     queue.User
	supporters []queue.Supporter // in list order
	// faults breaks or slows chosen statements of the store's pool.
	faults *dbFaults
	// mailboxLimit, when set, bounds the engines' session mailboxes.
	mailboxLimit int
}

const (
	leaderMobile  = "+447400123456"
	orgCallerID   = "+442035550100"
	orgCallerName = "Rig Campaign"
)

// leaderScript is a leader who answers and presses a key at the greeting,
// as a person does (R4.1).
var leaderScript = arisim.Script{Keys: []arisim.KeyPress{{After: 300 * time.Millisecond, Digit: "#"}}}

// simClock gives the simulator's fake clock the engine's Timer type.
type simClock struct{ *arisim.FakeClock }

func (c simClock) AfterFunc(d time.Duration, f func()) ivr.Timer { return c.FakeClock.AfterFunc(d, f) }

var numbers atomic.Int64

// newRig builds a rig whose list has the given number of supporters;
// simulate changes the phone network's configuration.
func newRig(t *testing.T, supporters int, simulate ...func(*arisim.Config)) *rig {
	t.Helper()
	ctx := context.Background()
	r := &rig{t: t, clock: arisim.NewFakeClock(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))}
	cfg := arisim.Config{Username: "callingd", Password: "secret", Clock: r.clock, SoundDuration: time.Second,
		ToneZones: []string{"uk"}}
	for _, f := range simulate {
		f(&cfg)
	}
	sim, err := arisim.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	r.sim = sim
	r.faults = &dbFaults{now: r.clock.Now}
	r.store = queue.NewStore(r.faultyPool(), r.clock)
	r.store.PasswordCost = 4

	o := queue.NewOrganisation("rig", "Rig")
	o.Timezone, o.AllowedPrefixes, o.CallerID, o.CallerName = "Europe/London", []string{"+44"}, orgCallerID, orgCallerName
	if r.org, err = r.store.CreateOrganisation(ctx, o); err != nil {
		t.Fatal(err)
	}
	g, err := r.store.CreateGroup(ctx, r.org.ID, "North")
	if err != nil {
		t.Fatal(err)
	}
	if r.list, err = r.store.CreateList(ctx, r.org.ID, g.ID, "Everyone", 0); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range supporters {
		sp, err := r.store.CreateSupporter(ctx, r.org.ID, g.ID, queue.SupporterInput{
			FirstName: fmt.Sprintf("S%d", i), Phone: fmt.Sprintf("+4479111%05d", numbers.Add(1))})
		if err != nil {
			t.Fatal(err)
		}
		r.supporters = append(r.supporters, sp)
		ids = append(ids, sp.ID)
	}
	if _, err := r.store.AddListMembers(ctx, r.org.ID, r.list.ID, ids); err != nil {
		t.Fatal(err)
	}
	r.leader = r.user("leader", leaderMobile)
	r.tel = r.connect()
	return r
}

func (r *rig) user(name, mobile string) queue.User {
	r.t.Helper()
	u, err := r.store.CreateUser(context.Background(), r.org.ID, queue.UserInput{FirstName: name,
		Email: name + "@example.org", Password: "a long enough secret", Mobile: mobile, Admin: true})
	if err != nil {
		r.t.Fatal(err)
	}
	r.sim.SetScript(mobile, leaderScript)
	return u
}

// faultyPool is a pool on a fresh database whose statements r.faults can
// break or slow.
func (r *rig) faultyPool() *pgxpool.Pool {
	r.t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(r.t))
	if err != nil {
		r.t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = r.faults
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(pool.Close)
	return pool
}

// connect opens an ARI client to the simulator and waits until it is ready.
func (r *rig) connect() *ari.Client { return r.connectTo(r.sim.URL()) }

// connectTo opens an ARI client to url (the simulator, or a proxy in front
// of it) and waits until it is ready.
func (r *rig) connectTo(url string) *ari.Client {
	r.t.Helper()
	tel, err := ari.Connect(context.Background(), ari.Config{URL: url, Username: "callingd", Password: "secret",
		Application: "callingd", DialString: "PJSIP/{number}@trunk", Registerer: prometheus.NewRegistry(),
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(tel.Close)
	r.wait("ARI ready", func() bool { return tel.Ready() == nil })
	return tel
}

// startEngine runs an engine named driver until stopped (or the test ends).
func (r *rig) startEngine(driver string, tel *ari.Client) (stop func()) {
	_, stop = r.engine(driver, tel)
	return stop
}

// engine runs an engine named driver until stopped (or the test ends).
func (r *rig) engine(driver string, tel *ari.Client) (e *ivr.Engine, stop func()) {
	r.t.Helper()
	// Leases are the database's time (queue.TakePhones): a short one lets a
	// takeover happen within a test's wait.
	return r.engineWith(r.store, simClock{r.clock}, driver, tel)
}

// engineWith runs an engine named driver on store and clock until stopped
// (or the test ends).
func (r *rig) engineWith(store *queue.Store, clock ivr.Clock, driver string, tel *ari.Client) (e *ivr.Engine, stop func()) {
	r.t.Helper()
	e, err := ivr.New(store, tel, ivr.Config{Driver: driver, Clock: clock, Lease: 2 * time.Second,
		RenewEvery: 100 * time.Millisecond, Registerer: prometheus.NewRegistry(), MailboxLimit: r.mailboxLimit,
		Logger: slog.New(slog.NewTextHandler(testWriter{r.t}, &slog.HandlerOptions{Level: slog.LevelDebug})).With("engine", driver)})
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := e.Run(ctx); err != nil {
			r.t.Errorf("engine %s: %v", driver, err)
		}
	}()
	stop = func() { cancel(); <-done }
	r.t.Cleanup(stop)
	return e, stop
}

// session starts (or resumes) leader's session on the rig's list and asks
// for their phone (the Start click).
func (r *rig) start(leader queue.User) queue.Session {
	r.t.Helper()
	ctx := context.Background()
	sess, _, err := r.store.StartSession(ctx, leader, r.list.ID, "")
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.store.RequestPhone(ctx, leader, sess.ID); err != nil {
		r.t.Fatal(err)
	}
	return sess
}

// wait polls cond, moving the fake clock on a little each time (prompts
// finish, phones ring), until it holds or 15 s pass.
func (r *rig) wait(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("waited in vain for %s; channels: %+v\ncall records:\n%s", what, r.sim.Channels(), r.allRecords())
		}
		r.clock.Advance(100 * time.Millisecond)
		time.Sleep(2 * time.Millisecond)
	}
}

// channel returns the live channel to number, if any.
func (r *rig) channel(number string) (arisim.ChannelInfo, bool) {
	for _, c := range r.sim.Channels() {
		if c.Number == number {
			return c, true
		}
	}
	return arisim.ChannelInfo{}, false
}

// up waits until number's phone is answered; it returns the channel.
func (r *rig) up(number string) arisim.ChannelInfo {
	r.t.Helper()
	var ch arisim.ChannelInfo
	r.wait(number+" answered", func() bool {
		c, ok := r.channel(number)
		ch = c
		return ok && c.State == "Up"
	})
	return ch
}

// bridged waits until number's phone is in a bridge (talking to the leader).
func (r *rig) bridged(number string) {
	r.t.Helper()
	r.wait(number+" bridged", func() bool {
		c, ok := r.channel(number)
		return ok && c.Bridge != ""
	})
}

// gone waits until number has no live channel.
func (r *rig) gone(number string) {
	r.t.Helper()
	r.wait(number+" hung up", func() bool { _, ok := r.channel(number); return !ok })
}

// press has the leader press keys on their live call.
func (r *rig) press(digits string) {
	r.t.Helper()
	if err := r.sim.PressNumber(leaderMobile, digits); err != nil {
		r.t.Fatalf("press %q: %v", digits, err)
	}
}

// records lists the session's call records as "leg:number:outcome".
func (r *rig) records(sessionID int64) []string {
	r.t.Helper()
	rows, err := r.store.Pool().Query(context.Background(), `SELECT leg, dialled_number, coalesce(outcome::text, 'live ' || state::text)
		FROM call_records WHERE session_id = $1 ORDER BY id`, sessionID)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var leg, number, outcome string
		if err := rows.Scan(&leg, &number, &outcome); err != nil {
			r.t.Fatal(err)
		}
		out = append(out, leg+":"+number+":"+outcome)
	}
	return out
}

// recordsEnd waits until the session's records read want.
func (r *rig) recordsEnd(sessionID int64, want ...string) {
	r.t.Helper()
	joined := strings.Join(want, "\n")
	r.wait("call records\n"+joined, func() bool { return strings.Join(r.records(sessionID), "\n") == joined })
}

func (r *rig) phone(i int) string { return r.supporters[i].Phone.E164 }

// wrapUp waits until supporter i's latest call of the session has ended:
// the leader is then in wrap-up, where keys dial on.
func (r *rig) wrapUp(sessionID int64, i int) {
	r.t.Helper()
	r.wait(fmt.Sprintf("supporter %d's call to end", i), func() bool {
		var ended bool
		err := r.store.Pool().QueryRow(context.Background(), `SELECT state = 'ended' FROM call_records
			WHERE session_id = $1 AND supporter_id = $2 ORDER BY id DESC LIMIT 1`, sessionID, r.supporters[i].ID).Scan(&ended)
		return err == nil && ended
	})
}

// phoneOver waits until the session's phone request is released: the
// session is paused or complete.
func (r *rig) phoneOver(sessionID int64) {
	r.t.Helper()
	r.wait("the phone request to end", func() bool {
		_, wanted, err := r.store.PhoneWanted(context.Background(), r.org.ID, sessionID)
		return err == nil && !wanted
	})
}

// testWriter sends an engine's log to the test's, shown when it fails.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// allRecords describes every call record, for failure messages.
func (r *rig) allRecords() string {
	rows, err := r.store.Pool().Query(context.Background(), `SELECT concat_ws(' ', id, session_id, leg, supporter_id,
		channel_id, state, outcome, hangup_cause, hangup_cause_text) FROM call_records ORDER BY id`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err.Error()
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
