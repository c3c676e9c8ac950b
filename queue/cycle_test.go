package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// sqlSkip sets a leader skip straight in the table, as the skip API would.
// until is ignored for "cycle" and "remove".
func sqlSkip(tb testing.TB, w *world, sessionID, supporterID int64, typ queue.SkipType, until time.Duration, reason string) {
	tb.Helper()
	var end *time.Time
	if typ != queue.SkipCycle && typ != queue.SkipRemove {
		t := w.clock.Now().Add(until)
		end = &t
	}
	_, err := w.s.Pool().Exec(context.Background(), `
		UPDATE session_supporters SET skip_type = $3, skip_until = $4, skip_reason = nullif($5, ''),
			skipped_by = $6, skipped_at = $7
		WHERE session_id = $1 AND supporter_id = $2`,
		sessionID, supporterID, typ, end, reason, w.leader.ID, w.clock.Now())
	if err != nil {
		tb.Fatal(err)
	}
}

// sqlLog logs a contact for a call straight in the tables, marking the
// supporter completed when contacted, as the contact API would.
func sqlLog(tb testing.TB, w *world, call queue.CallRecord, contacted bool, rsvp string) {
	tb.Helper()
	_, err := w.s.Pool().Exec(context.Background(), `
		WITH logged AS (
			INSERT INTO contacts (organisation_id, session_id, cycle, supporter_id, call_id, author_id, contacted, rsvp,
				idempotency_key, created_at, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, '')::rsvp, 'call-' || $5::bigint, $9, $9, $6)
		)
		UPDATE session_supporters SET completed_at = $9, completed_by = $6
		WHERE $7 AND session_id = $2 AND supporter_id = $4`,
		w.org.ID, call.SessionID, call.Cycle, call.SupporterID, call.ID, w.leader.ID, contacted, rsvp, w.clock.Now())
	if err != nil {
		tb.Fatal(err)
	}
}

// dial claims the next supporter and ends the call with outcome; an
// answered call talks for talk first.
func dial(tb testing.TB, w *world, sessionID int64, outcome queue.Outcome, talk time.Duration) queue.CallRecord {
	tb.Helper()
	cl := w.mustClaim(tb, sessionID)
	if outcome == queue.OutcomeAnswered {
		if _, err := w.s.CallAnswered(context.Background(), w.org.ID, cl.Call.ID); err != nil {
			tb.Fatal(err)
		}
		w.clock.Advance(talk)
	}
	w.mustEnd(tb, cl.Call.ID, outcome)
	c, err := w.s.Call(context.Background(), w.org.ID, cl.Call.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// cycleRows is each row's attempted flag, skip type and completion, in
// list order, to compare a session before and after a new cycle.
func cycleRows(tb testing.TB, w *world, sessionID int64) string {
	tb.Helper()
	var out string
	err := w.s.Pool().QueryRow(context.Background(), `
		SELECT string_agg(format('%s:%s/%s/%s', ss.supporter_id, ss.attempted, coalesce(ss.skip_type::text, '-'),
			ss.completed_at IS NOT NULL), ' ' ORDER BY ss.sort_key)
		FROM session_supporters ss WHERE ss.session_id = $1`, sessionID).Scan(&out)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// R8.2, R8.3, R3.4: a cycle completes when nobody is available; a new cycle
// then clears "attempted", expires "this cycle" skips (audited), keeps
// timed skips, removals and contacted supporters, and freezes the finished
// cycle's stats into the journey.
func TestStartNewCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 6)
	sess := w.mustSession(t, w.leader)
	sp := w.supporters
	sqlSkip(t, w, sess.ID, sp[2], queue.SkipCycle, 0, "next pass")
	sqlSkip(t, w, sess.ID, sp[3], queue.Skip2Hours, 2*time.Hour, "")
	sqlSkip(t, w, sess.ID, sp[4], queue.SkipRemove, 0, "wrong number")

	contacted := dial(t, w, sess.ID, queue.OutcomeAnswered, 90*time.Second) // sp[0]
	sqlLog(t, w, contacted, true, "")
	dial(t, w, sess.ID, queue.OutcomeNoAnswer, 0) // sp[1]
	if _, err := w.s.StartNewCycle(ctx, w.leader, sess.ID); queue.ErrorCode(err) != queue.ECONFLICT ||
		queue.ErrorMessage(err) != "the current cycle still has 1 available supporter" {
		t.Fatalf("new cycle with sp[5] still available: %v", err)
	}
	live := w.mustClaim(t, sess.ID) // sp[5]
	if _, err := w.s.StartNewCycle(ctx, w.leader, sess.ID); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("new cycle while a supporter is being called: %v, want conflict", err)
	}
	w.mustEnd(t, live.Call.ID, queue.OutcomeBusy)
	if st := w.status(t, sess.ID); st != queue.StatusCompleted {
		t.Fatalf("status after everyone was called or skipped: %s, want completed", st)
	}

	w.clock.Advance(30 * time.Minute) // past the cool-down, not past the 2-hour skip
	before := cycleRows(t, w, sess.ID)
	next, err := w.s.StartNewCycle(ctx, w.leader, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if next.Cycle != 2 || !next.CycleStartedAt.Equal(w.clock.Now()) || !next.LastActivityAt.Equal(w.clock.Now()) ||
		next.Status != queue.StatusStarted {
		t.Fatalf("session after a new cycle: %+v", next)
	}
	want := fmt.Sprintf("%d:f/-/t %d:f/-/f %d:f/-/f %d:f/2h/f %d:f/remove/f %d:f/-/f",
		sp[0], sp[1], sp[2], sp[3], sp[4], sp[5])
	if got := cycleRows(t, w, sess.ID); got != want {
		t.Fatalf("rows after a new cycle:\n got %s\nwant %s\n(before %s)", got, want, before)
	}
	var audit string
	err = w.s.Pool().QueryRow(ctx, `SELECT string_agg(format('%s %s %s %s %s', supporter_id, action, skip_type,
		coalesce(actor_id::text, 'server'), reason), ', ' ORDER BY id) FROM skip_audit WHERE session_id = $1`, sess.ID).Scan(&audit)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d expire cycle server next pass", sp[2]); audit != want {
		t.Fatalf("audit: %q, want %q", audit, want)
	}

	// The second cycle dials those who were attempted or cycle-skipped, in
	// their order, and no one else.
	var called []int64
	for {
		cl, ok, err := w.s.Claim(ctx, w.org.ID, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		called = append(called, cl.Supporter.ID)
		if cl.Call.Cycle != 2 {
			t.Fatalf("call of the second cycle recorded in cycle %d", cl.Call.Cycle)
		}
		w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
	}
	if fmt.Sprint(called) != fmt.Sprint([]int64{sp[1], sp[2], sp[5]}) {
		t.Fatalf("second cycle called %v, want %v", called, []int64{sp[1], sp[2], sp[5]})
	}
}

// R3.4: the journey shows each finished cycle with the stats it had when
// it ended; later calls do not change it.
func TestJourney(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 5)
	sess := w.mustSession(t, w.leader)
	if j, err := w.s.Journey(ctx, w.org.ID, sess.ID); err != nil || len(j) != 0 {
		t.Fatalf("journey of a new session: %v, %v", j, err)
	}
	started := w.clock.Now()
	c := dial(t, w, sess.ID, queue.OutcomeAnswered, 61*time.Second)
	sqlLog(t, w, c, true, "")
	dial(t, w, sess.ID, queue.OutcomeAnswered, 30*time.Second) // not logged
	dial(t, w, sess.ID, queue.OutcomeNoAnswer, 0)
	dial(t, w, sess.ID, queue.OutcomeRejected, 0)
	dial(t, w, sess.ID, queue.OutcomeRefused, 0)
	w.clock.Advance(time.Hour)
	ended := w.clock.Now()
	if _, err := w.s.StartNewCycle(ctx, w.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	dial(t, w, sess.ID, queue.OutcomeBusy, 0) // cycle 2: not in the journey
	journey, err := w.s.Journey(ctx, w.org.ID, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []queue.CycleStats{{Cycle: 1, StartedAt: started, EndedAt: ended, CallStats: queue.CallStats{
		CallsAttempted: 4, ContactsMade: 1, Answered: 2, NoAnswer: 1, Failed: 1, NotLogged: 1, TalkSeconds: 91}}}
	if len(journey) != 1 || !journey[0].StartedAt.Equal(started) || !journey[0].EndedAt.Equal(ended) {
		t.Fatalf("journey %+v, want %+v", journey, want)
	}
	journey[0].StartedAt, journey[0].EndedAt = started, ended
	if fmt.Sprintf("%+v", journey) != fmt.Sprintf("%+v", want) {
		t.Fatalf("journey\n got %+v\nwant %+v", journey, want)
	}

	stranger := w.stranger(t)
	if _, err := w.s.Journey(ctx, stranger.OrganisationID, sess.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("journey of another organisation's session: %v", err)
	}
}

// A double click on Start a new cycle starts one cycle: the other clicks
// find the new cycle open and are refused.
func TestStartNewCycleConcurrently(t *testing.T) {
	t.Parallel()
	for _, wait := range []struct {
		name  string
		after time.Duration
	}{{"AfterCooldown", 30 * time.Minute}, {"InCooldown", time.Minute}} {
		t.Run(wait.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 4)
			sess := w.mustSession(t, w.leader)
			for range w.supporters {
				dial(t, w, sess.ID, queue.OutcomeNoAnswer, 0)
			}
			w.clock.Advance(wait.after)
			const clicks = 5
			errs := make([]error, clicks)
			var wg sync.WaitGroup
			for i := range clicks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = w.s.StartNewCycle(context.Background(), w.leader, sess.ID)
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch queue.ErrorCode(err) {
				case "":
					ok++
				case queue.ECONFLICT:
				default:
					t.Fatalf("click: %v", err)
				}
			}
			var cycle, frozen int
			err := w.s.Pool().QueryRow(context.Background(), `SELECT cycle,
				(SELECT count(*) FROM session_cycles WHERE session_id = $1) FROM calling_sessions WHERE id = $1`,
				sess.ID).Scan(&cycle, &frozen)
			if err != nil {
				t.Fatal(err)
			}
			if ok != 1 || cycle != 2 || frozen != 1 {
				t.Fatalf("%d clicks succeeded, cycle %d, %d cycles in the journey; want 1, 2, 1 (%v)", ok, cycle, frozen, errs)
			}
		})
	}
}

func TestStartNewCycleRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	member := newCaptain(t, w, "member")
	if err := w.s.SetGroupRole(ctx, w.org.ID, member.ID, w.group.ID, queue.RoleMember); err != nil {
		t.Fatal(err)
	}
	member, _ = w.s.User(ctx, w.org.ID, member.ID)
	night := time.Date(2026, 3, 10, 22, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		actor   queue.User
		session int64
		at      time.Time
		code    string
	}{
		{"ErrAvailable", w.leader, sess.ID, w.clock.Now(), queue.ECONFLICT},
		{"ErrNothingToRestart", w.leader, sess.ID, night, queue.ECONFLICT}, // nobody available at 22:00, nobody called
		{"ErrMember", member, sess.ID, night, queue.EFORBIDDEN},
		{"ErrOtherOrganisation", w.stranger(t), sess.ID, night, queue.ENOTFOUND},
		{"ErrNoSession", w.leader, sess.ID + 1000, night, queue.ENOTFOUND},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.clock.Set(tc.at)
			before := cycleRows(t, w, sess.ID)
			_, err := w.s.StartNewCycle(ctx, tc.actor, tc.session)
			if queue.ErrorCode(err) != tc.code {
				t.Fatalf("%v, want %s", err, tc.code)
			}
			after, err := w.s.Session(ctx, w.org.ID, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			if rows := cycleRows(t, w, sess.ID); rows != before || after.Cycle != 1 {
				t.Fatalf("changed the session: %s -> %s, cycle %d", before, rows, after.Cycle)
			}
		})
	}
}
