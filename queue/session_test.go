package queue_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// testClock is a clock tests move by hand, safe to read from many goroutines.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// world is an organisation with a group, a list of supporters and a leader,
// on a clock at noon in London (inside the calling window).
type world struct {
	s          *queue.Store
	clock      *testClock
	org        queue.Organisation
	group      queue.Group
	list       queue.List
	leader     queue.User
	supporters []int64 // in list order
}

func newWorld(tb testing.TB, members int) *world {
	tb.Helper()
	clock := &testClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	s := queue.NewStore(pgtest.NewPool(tb), clock)
	s.PasswordCost = 4
	w := &world{s: s, clock: clock}
	w.org = mustOrganisation(tb, s, "org")
	w.group = mustGroup(tb, s, w.org.ID, "North")
	w.list = mustList(tb, s, w.org.ID, w.group.ID, "Everyone")
	w.supporters = mustSupporters(tb, s, w.org.ID, w.group.ID, members)
	if _, err := s.AddListMembers(context.Background(), w.org.ID, w.list.ID, w.supporters); err != nil {
		tb.Fatal(err)
	}
	w.leader = w.mustLeader(tb, "leader")
	return w
}

// mustLeader adds an admin with a mobile.
func (w *world) mustLeader(tb testing.TB, name string) queue.User {
	tb.Helper()
	u, err := w.s.CreateUser(context.Background(), w.org.ID, queue.UserInput{
		FirstName: name, Email: name + "@example.org", Password: "a long enough secret",
		Mobile: "+447400123456", Admin: true})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// stranger is an admin of another organisation in the same database.
func (w *world) stranger(tb testing.TB) queue.User {
	tb.Helper()
	org := mustOrganisation(tb, w.s, fmt.Sprintf("other-%d", time.Now().UnixNano()%1e9))
	u, err := w.s.CreateUser(context.Background(), org.ID, queue.UserInput{
		FirstName: "Stranger", Email: fmt.Sprintf("stranger%d@example.org", org.ID), Password: "a long enough secret",
		Mobile: "+447400123457", Admin: true})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

var outsiders atomic.Int64

// outsider is a supporter of the world's group who is not on its list.
func (w *world) outsider(tb testing.TB) int64 {
	tb.Helper()
	sp, err := w.s.CreateSupporter(context.Background(), w.org.ID, w.group.ID,
		queue.SupporterInput{FirstName: "Out", Phone: fmt.Sprintf("+44203%07d", outsiders.Add(1))})
	if err != nil {
		tb.Fatal(err)
	}
	return sp.ID
}

func (w *world) mustSession(tb testing.TB, leader queue.User) queue.Session {
	tb.Helper()
	sess, _, err := w.s.StartSession(context.Background(), leader, w.list.ID, "")
	if err != nil {
		tb.Fatal(err)
	}
	return sess
}

func (w *world) mustClaim(tb testing.TB, sessionID int64) queue.Claim {
	tb.Helper()
	cl, ok, err := w.s.Claim(context.Background(), w.org.ID, sessionID)
	if err != nil || !ok {
		tb.Fatalf("claim: ok %v, %v", ok, err)
	}
	return cl
}

func (w *world) mustEnd(tb testing.TB, callID int64, outcome queue.Outcome) {
	tb.Helper()
	if _, err := w.s.CallEnded(context.Background(), w.org.ID, callID, outcome, 16, "Normal Clearing"); err != nil {
		tb.Fatal(err)
	}
}

func (w *world) status(tb testing.TB, sessionID int64) queue.SessionStatus {
	tb.Helper()
	sess, err := w.s.Session(context.Background(), w.org.ID, sessionID)
	if err != nil {
		tb.Fatal(err)
	}
	return sess.Status
}

func TestStartSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3)
	ctx := context.Background()
	sess, created, err := w.s.StartSession(ctx, w.leader, w.list.ID, "")
	if err != nil || !created {
		t.Fatalf("start: created %v, %v", created, err)
	}
	if sess.Name != "leader - Everyone" || sess.Status != queue.StatusNotStarted || sess.Cycle != 1 {
		t.Fatalf("new session: %+v", sess)
	}
	again, created, err := w.s.StartSession(ctx, w.leader, w.list.ID, "Another name")
	if err != nil || created || again.ID != sess.ID || again.Name != sess.Name {
		t.Fatalf("second start did not resume: %+v created %v %v", again, created, err)
	}
	other := w.mustLeader(t, "other")
	if o := w.mustSession(t, other); o.ID == sess.ID {
		t.Fatal("two leaders share a session")
	}

	bad := []struct {
		name  string
		actor func() queue.User
		list  int64
		title string
		code  string
	}{
		{"ErrNameTooLong", func() queue.User { return other }, w.list.ID, string(make([]rune, 201)), queue.EINVALID},
		{"ErrNoMobile", func() queue.User { u := other; u.Mobile = ""; return u }, w.list.ID, "", queue.EINVALID},
		{"ErrMember", func() queue.User {
			u := w.mustLeader(t, "member")
			u.Admin = false
			u.Roles = map[int64]queue.Role{w.group.ID: queue.RoleMember}
			return u
		}, w.list.ID, "", queue.EFORBIDDEN},
		{"ErrOtherOrganisation", func() queue.User { u := other; u.OrganisationID = mustOrganisation(t, w.s, "elsewhere").ID; return u }, w.list.ID, "", queue.ENOTFOUND},
		{"ErrNoList", func() queue.User { return other }, 999999, "", queue.ENOTFOUND},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := w.s.StartSession(ctx, tc.actor(), tc.list, tc.title)
			if queue.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func TestStartSessionConcurrently(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 50)
	var wg sync.WaitGroup
	ids := make([]int64, 10)
	created := make([]bool, 10)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess, c, err := w.s.StartSession(context.Background(), w.leader, w.list.ID, "")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], created[i] = sess.ID, c
		}()
	}
	wg.Wait()
	n := 0
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("concurrent starts made sessions %v", ids)
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d starts say they created the session, want 1", n)
	}
}

func TestSessionStatus(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	ctx := context.Background()
	sess := w.mustSession(t, w.leader)
	steps := []struct {
		name string
		act  func()
		want queue.SessionStatus
	}{
		{"New", func() {}, queue.StatusNotStarted},
		{"LeaderRinging", func() {
			if _, err := w.s.StartLeaderCall(ctx, w.org.ID, sess.ID); err != nil {
				t.Fatal(err)
			}
		}, queue.StatusInProgress},
		{"FirstCalled", func() { w.mustEnd(t, w.mustClaim(t, sess.ID).Call.ID, queue.OutcomeNoAnswer) }, queue.StatusInProgress},
		{"LeaderHungUp", func() { endLeader(t, w, sess.ID) }, queue.StatusStarted},
		{"AllCalled", func() { w.mustEnd(t, w.mustClaim(t, sess.ID).Call.ID, queue.OutcomeBusy) }, queue.StatusCompleted},
	}
	for _, st := range steps {
		st.act()
		if got := w.status(t, sess.ID); got != st.want {
			t.Fatalf("after %s: status %s, want %s", st.name, got, st.want)
		}
	}
}

func endLeader(t *testing.T, w *world, sessionID int64) {
	t.Helper()
	var id int64
	err := w.s.Pool().QueryRow(context.Background(), `SELECT id FROM call_records
		WHERE session_id = $1 AND leg = 'leader' AND state <> 'ended'`, sessionID).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	w.mustEnd(t, id, queue.OutcomeAnswered)
}

func TestClaimOrderAndCycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5)
	sess := w.mustSession(t, w.leader)
	var got []int64
	for range 5 {
		cl := w.mustClaim(t, sess.ID)
		got = append(got, cl.Supporter.ID)
		if cl.Call.State != queue.CallDialling || cl.Call.DialledNumber != cl.Supporter.Phone.E164 || cl.Call.Cycle != 1 {
			t.Fatalf("call record: %+v", cl.Call)
		}
		w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
	}
	if fmt.Sprint(got) != fmt.Sprint(w.supporters) {
		t.Fatalf("claimed %v, want list order %v", got, w.supporters)
	}
	if _, ok, err := w.s.Claim(context.Background(), w.org.ID, sess.ID); ok || err != nil {
		t.Fatalf("claim after everyone was attempted: ok %v, %v", ok, err)
	}
}

func TestClaimDoubleSubmit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5)
	sess := w.mustSession(t, w.leader)
	w.mustClaim(t, sess.ID)
	if _, _, err := w.s.Claim(context.Background(), w.org.ID, sess.ID); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("second claim with a live supporter leg: %v, want conflict", err)
	}
}

// R7.2, R7.1: 20 sessions on one list claiming at once never ring one
// supporter twice at the same moment, and with the cool-down each supporter
// is rung exactly once in all.
func TestClaimTwentySessionsOneList(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 60)
	ctx := context.Background()
	sessions := make([]queue.Session, 20)
	for i := range sessions {
		sessions[i] = w.mustSession(t, w.mustLeader(t, fmt.Sprintf("leader%d", i)))
	}
	var mu sync.Mutex
	called := map[int64]int{}
	var wg sync.WaitGroup
	for _, sess := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cl, ok, err := w.s.Claim(ctx, w.org.ID, sess.ID)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				called[cl.Supporter.ID]++
				mu.Unlock()
				if _, err := w.s.CallEnded(ctx, w.org.ID, cl.Call.ID, queue.OutcomeNoAnswer, 19, ""); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(called) != len(w.supporters) {
		t.Fatalf("%d supporters called, want %d", len(called), len(w.supporters))
	}
	for id, n := range called {
		if n != 1 {
			t.Fatalf("supporter %d called %d times inside the cool-down", id, n)
		}
	}
}

// R7.1, R8.1: a session walks past the supporters its list-mate just called
// (and stops reading them until their cool-down ends, migration 0005); when
// the cool-down ends they are called next, at their place in the queue, and
// shortening the organisation's cool-down brings them back at once.
func TestClaimAfterAListMatesCalls(t *testing.T) {
	t.Parallel()
	claimed := func(t *testing.T, w *world, sessionID int64) int64 {
		t.Helper()
		cl := w.mustClaim(t, sessionID)
		w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
		return cl.Supporter.ID
	}
	// afterMate: a list of n, sessions a and b on it, and b has called its
	// first mateCalls supporters.
	afterMate := func(t *testing.T, n, mateCalls int) (w *world, a queue.Session) {
		w = newWorld(t, n)
		a, b := w.mustSession(t, w.leader), w.mustSession(t, w.mustLeader(t, "mate"))
		for range mateCalls {
			claimed(t, w, b.ID)
		}
		return w, a
	}
	t.Run("cool-down ends", func(t *testing.T) {
		t.Parallel()
		w, a := afterMate(t, 6, 2)
		var got []int64
		got = append(got, claimed(t, w, a.ID))
		w.clock.Advance(queue.DefaultCooldown - time.Minute)
		got = append(got, claimed(t, w, a.ID))
		w.clock.Advance(time.Minute) // supporters 0 and 1 may be called again
		got = append(got, claimed(t, w, a.ID), claimed(t, w, a.ID), claimed(t, w, a.ID))
		want := []int64{w.supporters[2], w.supporters[3], w.supporters[0], w.supporters[1], w.supporters[4]}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("session a called %v, want %v", got, want)
		}
	})
	t.Run("nobody left but the list-mate's", func(t *testing.T) {
		t.Parallel()
		w, a := afterMate(t, 2, 2)
		if _, ok, err := w.s.Claim(context.Background(), w.org.ID, a.ID); ok || err != nil {
			t.Fatalf("claim with everyone in their cool-down: ok %v, %v", ok, err)
		}
		w.clock.Advance(queue.DefaultCooldown)
		if got := claimed(t, w, a.ID); got != w.supporters[0] {
			t.Fatalf("after the cool-down, called %d, want %d", got, w.supporters[0])
		}
	})
	t.Run("cool-down shortened", func(t *testing.T) {
		t.Parallel()
		w, a := afterMate(t, 4, 1)
		claimed(t, w, a.ID)
		if _, err := w.s.Pool().Exec(context.Background(),
			`UPDATE organisations SET cooldown = '5 minutes' WHERE id = $1`, w.org.ID); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(5 * time.Minute)
		if got := claimed(t, w, a.ID); got != w.supporters[0] {
			t.Fatalf("after a shortened cool-down, called %d, want %d", got, w.supporters[0])
		}
	})
}
