package queue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// openAllDay opens the calling window round the clock, so skips that end at
// midnight can be seen to end by who is claimable.
func openAllDay(tb testing.TB, w *world) {
	tb.Helper()
	if _, err := w.s.Pool().Exec(context.Background(), `UPDATE organisations
		SET calling_window_start = '00:00', calling_window_end = '24:00' WHERE id = $1`, w.org.ID); err != nil {
		tb.Fatal(err)
	}
}

// leaderIn adds an admin whose own timezone is tz.
func leaderIn(tb testing.TB, w *world, name, tz string) queue.User {
	tb.Helper()
	u, err := w.s.CreateUser(context.Background(), w.org.ID, queue.UserInput{
		FirstName: name, Email: name + "@example.org", Password: "a long enough secret",
		Mobile: "+447400123458", Timezone: tz, Admin: true})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func mustSkip(tb testing.TB, w *world, actor queue.User, sessionID, supporterID int64, in queue.SkipInput) queue.SupporterSkip {
	tb.Helper()
	k, err := w.s.Skip(context.Background(), actor, sessionID, supporterID, in)
	if err != nil {
		tb.Fatalf("skip %+v: %v", in, err)
	}
	return k
}

func mustAudit(tb testing.TB, w *world, sessionID, supporterID int64) []queue.SkipAuditEntry {
	tb.Helper()
	a, err := w.s.SkipAudit(context.Background(), w.org.ID, sessionID, supporterID)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// R6: every type returns the supporter at its exact moment, in the session
// leader's timezone whoever skips, and they are claimable from that moment.
func TestSkipReturns(t *testing.T) {
	t.Parallel()
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		name     string
		leaderTZ string // "" for the world's leader (London, the organisation's zone)
		at       time.Time
		in       queue.SkipInput
		want     time.Time
		away     time.Duration // want - at, when it matters
	}{
		{"15m", "", utc(2026, 3, 10, 12), queue.SkipInput{Type: queue.Skip15Minutes}, utc(2026, 3, 10, 12).Add(15 * time.Minute), 0},
		{"30m", "", utc(2026, 3, 10, 12), queue.SkipInput{Type: queue.Skip30Minutes, Reason: "driving"}, utc(2026, 3, 10, 12).Add(30 * time.Minute), 0},
		{"1h", "", utc(2026, 3, 10, 12), queue.SkipInput{Type: queue.Skip1Hour}, utc(2026, 3, 10, 13), 0},
		{"2h", "", utc(2026, 3, 10, 12), queue.SkipInput{Type: queue.Skip2Hours}, utc(2026, 3, 10, 14), 0},
		{"TodayLondon", "", utc(2026, 3, 10, 12), queue.SkipInput{Type: queue.SkipToday}, utc(2026, 3, 11, 0), 12 * time.Hour},
		// The clocks go forward in London at 01:00 on 29 March: that day has 23 hours.
		{"TodayClocksGoForward", "Europe/London", utc(2026, 3, 29, 0), queue.SkipInput{Type: queue.SkipToday}, utc(2026, 3, 29, 23), 23 * time.Hour},
		// New York's clocks go back at 02:00 on 1 November: that day has 25 hours.
		{"TodayClocksGoBack", "America/New_York", utc(2026, 11, 1, 4), queue.SkipInput{Type: queue.SkipToday}, utc(2026, 11, 2, 5), 25 * time.Hour},
		// Midnight at the start of 12 March in Sydney (UTC+11) is 13:00 UTC the day before.
		{"DateSydney", "Australia/Sydney", utc(2026, 3, 10, 12), queue.SkipInput{Type: queue.SkipDate, Date: "2026-03-12"}, utc(2026, 3, 11, 13), 0},
		{"DateTomorrowLondon", "", utc(2026, 3, 10, 12), queue.SkipInput{Type: queue.SkipDate, Date: "2026-03-11"}, utc(2026, 3, 11, 0), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 3)
			openAllDay(t, w)
			w.clock.Set(tc.at)
			leader := w.leader
			if tc.leaderTZ != "" {
				leader = leaderIn(t, w, "away", tc.leaderTZ)
			}
			sess := w.mustSession(t, leader)
			// The organisation's admin skips: the session leader's calendar counts.
			k := mustSkip(t, w, w.leader, sess.ID, w.supporters[0], tc.in)
			if k.Until == nil || !k.Until.Equal(tc.want) {
				t.Fatalf("returns at %v, want %v", k.Until, tc.want)
			}
			if tc.away != 0 && k.Until.Sub(tc.at) != tc.away {
				t.Fatalf("returns %v after the skip, want %v", k.Until.Sub(tc.at), tc.away)
			}
			w.clock.Set(tc.want.Add(-time.Second))
			if got := mustNext(t, w, sess.ID); got != w.supporters[1] {
				t.Fatalf("a second before the end, next is %d, want %d", got, w.supporters[1])
			}
			w.clock.Set(tc.want)
			if cl := w.mustClaim(t, sess.ID); cl.Supporter.ID != w.supporters[0] {
				t.Fatalf("at the end the skipped supporter is not claimed first: got %d", cl.Supporter.ID)
			}
		})
	}
}

// R6: "this cycle" and "remove" do not end with time.
func TestSkipCycleAndRemoveStayOut(t *testing.T) {
	t.Parallel()
	for _, in := range []queue.SkipInput{{Type: queue.SkipCycle}, {Type: queue.SkipRemove, Reason: "moved away"}} {
		t.Run(string(in.Type), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2)
			sess := w.mustSession(t, w.leader)
			if k := mustSkip(t, w, w.leader, sess.ID, w.supporters[0], in); k.Until != nil {
				t.Fatalf("%s skip has an end: %v", in.Type, k.Until)
			}
			for _, d := range []time.Duration{time.Hour, 3 * 24 * time.Hour, 400 * 24 * time.Hour} {
				w.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC).Add(d))
				if got := mustNext(t, w, sess.ID); got != w.supporters[1] {
					t.Fatalf("%v later next is %d, want the other supporter %d", d, got, w.supporters[1])
				}
			}
		})
	}
}

// R6, R8.3: a "this cycle" skip returns the supporter when a new cycle
// starts, and the audit says the server expired it.
func TestSkipCycleReturnsWithNewCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	mustSkip(t, w, w.leader, sess.ID, w.supporters[0], queue.SkipInput{Type: queue.SkipCycle, Reason: "try next pass"})
	w.mustEnd(t, w.mustClaim(t, sess.ID).Call.ID, queue.OutcomeNoAnswer) // supporter 1
	if got := mustNext(t, w, sess.ID); got != 0 {
		t.Fatalf("cycle not complete: next is %d", got)
	}
	if _, err := w.s.StartNewCycle(ctx, w.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	if got := mustNext(t, w, sess.ID); got != w.supporters[0] {
		t.Fatalf("after a new cycle next is %d, want the cycle-skipped %d", got, w.supporters[0])
	}
	audit := mustAudit(t, w, sess.ID, w.supporters[0])
	if len(audit) != 2 || audit[1].Action != queue.SkipActionExpire || audit[1].Type != queue.SkipCycle ||
		audit[1].ActorID != 0 || audit[1].Reason != "try next pass" {
		t.Fatalf("audit after a new cycle: %+v", audit)
	}
}

// R6.1: a returning supporter comes back to their place, not to the end.
func TestSkipKeepsPlace(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5)
	sess := w.mustSession(t, w.leader)
	mustSkip(t, w, w.leader, sess.ID, w.supporters[1], queue.SkipInput{Type: queue.Skip15Minutes})
	for _, want := range []int64{w.supporters[0], w.supporters[2]} {
		cl := w.mustClaim(t, sess.ID)
		if cl.Supporter.ID != want {
			t.Fatalf("claimed %d, want %d", cl.Supporter.ID, want)
		}
		w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
	}
	w.clock.Advance(15 * time.Minute)
	if cl := w.mustClaim(t, sess.ID); cl.Supporter.ID != w.supporters[1] {
		t.Fatalf("returning supporter not called before those after them: got %d", cl.Supporter.ID)
	}
}

// R2.5: a skip makes a Not started session Started.
func TestSkipStartsSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	if st := w.status(t, sess.ID); st != queue.StatusNotStarted {
		t.Fatalf("new session %s", st)
	}
	w.clock.Advance(time.Minute)
	mustSkip(t, w, w.leader, sess.ID, w.supporters[1], queue.SkipInput{Type: queue.SkipCycle})
	got, err := w.s.Session(context.Background(), w.org.ID, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != queue.StatusStarted || got.StartedAt == nil || !got.LastActivityAt.Equal(w.clock.Now()) {
		t.Fatalf("after a skip: %s, started %v, last activity %v", got.Status, got.StartedAt, got.LastActivityAt)
	}
}

// R6.2, R6.3: skips are replaced by later skips, Remove skip is instant,
// and the audit keeps every step and cannot be changed.
func TestUnskip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	other := w.mustLeader(t, "captain")
	sess := w.mustSession(t, w.leader)
	sp := w.supporters[0]
	start := w.clock.Now()
	mustSkip(t, w, w.leader, sess.ID, sp, queue.SkipInput{Type: queue.Skip15Minutes, Reason: "call back after lunch"})
	w.clock.Advance(time.Minute)
	mustSkip(t, w, other, sess.ID, sp, queue.SkipInput{Type: queue.Skip2Hours})
	if k, ok, err := w.s.SkipOf(ctx, w.org.ID, sess.ID, sp); err != nil || !ok || k.Type != queue.Skip2Hours || k.By != other.ID {
		t.Fatalf("the later skip does not replace the earlier: %+v %v %v", k, ok, err)
	}
	w.clock.Advance(time.Minute)
	if err := w.s.Unskip(ctx, w.leader, sess.ID, sp); err != nil {
		t.Fatal(err)
	}
	if got := mustNext(t, w, sess.ID); got != sp {
		t.Fatalf("after Remove skip next is %d, want %d at once", got, sp)
	}
	if _, ok, err := w.s.SkipOf(ctx, w.org.ID, sess.ID, sp); ok || err != nil {
		t.Fatalf("still skipped after Remove skip: %v %v", ok, err)
	}
	if err := w.s.Unskip(ctx, w.leader, sess.ID, sp); queue.ErrorCode(err) != queue.ECONFLICT || !strings.Contains(err.Error(), "not skipped") {
		t.Fatalf("second Remove skip: %v, want conflict: not skipped", err)
	}

	until15, until2h := start.Add(15*time.Minute), start.Add(time.Minute+2*time.Hour)
	want := []queue.SkipAuditEntry{
		{Action: queue.SkipActionSkip, Type: queue.Skip15Minutes, Until: &until15, Reason: "call back after lunch", ActorID: w.leader.ID, ActorName: "leader", At: start},
		{Action: queue.SkipActionSkip, Type: queue.Skip2Hours, Until: &until2h, ActorID: other.ID, ActorName: "captain", At: start.Add(time.Minute)},
		{Action: queue.SkipActionUnskip, Type: queue.Skip2Hours, Until: &until2h, ActorID: w.leader.ID, ActorName: "leader", At: start.Add(2 * time.Minute)},
	}
	got := mustAudit(t, w, sess.ID, sp)
	if len(got) != len(want) {
		t.Fatalf("audit %+v, want %d rows", got, len(want))
	}
	for i := range want {
		want[i].ID = got[i].ID
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) || !got[i].Until.Equal(*want[i].Until) || !got[i].At.Equal(want[i].At) {
			t.Fatalf("audit row %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	for _, sql := range []string{`UPDATE skip_audit SET reason = 'changed' WHERE session_id = $1`, `DELETE FROM skip_audit WHERE session_id = $1`} {
		if _, err := w.s.Pool().Exec(ctx, sql, sess.ID); err == nil {
			t.Fatalf("%s: the audit was changed", sql)
		}
	}
	if n := len(mustAudit(t, w, sess.ID, sp)); n != 3 {
		t.Fatalf("audit has %d rows after attempts to change it, want 3", n)
	}
}

// R6.3: an expired timed skip is not a skip any more.
func TestUnskipExpired(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	mustSkip(t, w, w.leader, sess.ID, w.supporters[0], queue.SkipInput{Type: queue.Skip15Minutes})
	w.clock.Advance(15 * time.Minute)
	if err := w.s.Unskip(context.Background(), w.leader, sess.ID, w.supporters[0]); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("Remove skip of an ended skip: %v, want conflict", err)
	}
	if n := len(mustAudit(t, w, sess.ID, w.supporters[0])); n != 1 {
		t.Fatalf("audit has %d rows, want the skip only", n)
	}
}

// R7: system skips show their reason and time left, and Remove skip
// refuses them.
func TestSystemSkips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	mine := w.mustSession(t, w.leader)
	theirs := w.mustSession(t, w.mustLeader(t, "other"))
	sp := w.supporters[0]

	cl := w.mustClaim(t, theirs.ID)
	if k, ok, err := w.s.SkipOf(ctx, w.org.ID, mine.ID, sp); err != nil || !ok || k.SystemReason != queue.SystemSkipOnCall {
		t.Fatalf("supporter on a call in another session: %+v %v %v", k, ok, err)
	}
	w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
	w.clock.Advance(2*time.Minute + 30*time.Second)

	const recently = "recently called, retry in 18 minutes"
	k, ok, err := w.s.SkipOf(ctx, w.org.ID, mine.ID, sp)
	if err != nil || !ok || k.Kind != queue.SkipKindSystem || k.SystemReason != queue.SystemSkipRecentlyCalled ||
		!k.Until.Equal(time.Date(2026, 3, 10, 12, 20, 0, 0, time.UTC)) || k.Describe(w.clock.Now()) != recently {
		t.Fatalf("recently called: %+v %v %v %q", k, ok, err, k.Describe(w.clock.Now()))
	}
	err = w.s.Unskip(ctx, w.leader, mine.ID, sp)
	if queue.ErrorCode(err) != queue.ECONFLICT || !strings.Contains(err.Error(), "system skip ("+recently+")") {
		t.Fatalf("Remove skip of a system skip: %v", err)
	}
	if a := mustAudit(t, w, mine.ID, sp); len(a) != 0 {
		t.Fatalf("refused Remove skip audited: %+v", a)
	}

	w.clock.Set(time.Date(2026, 3, 10, 21, 0, 0, 0, time.UTC)) // 21:00 in London
	k, ok, err = w.s.SkipOf(ctx, w.org.ID, mine.ID, w.supporters[1])
	if err != nil || !ok || k.SystemReason != queue.SystemSkipCallingHours ||
		k.Describe(w.clock.Now()) != "outside calling hours (opens 09:00 their time)" {
		t.Fatalf("outside calling hours: %+v %v %v %q", k, ok, err, k.Describe(w.clock.Now()))
	}
	if err := w.s.Unskip(ctx, w.leader, mine.ID, w.supporters[1]); queue.ErrorCode(err) != queue.ECONFLICT ||
		!strings.Contains(err.Error(), "outside calling hours (opens 09:00 their time)") {
		t.Fatalf("Remove skip outside calling hours: %v", err)
	}
}

// R6.4, R4.3, R7.4: after the call (wrap-up) a supporter can be removed,
// and a "do not contact" removal lists the number for every session.
func TestSkipRemoveAfterCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	theirs := w.mustSession(t, w.mustLeader(t, "other"))

	cl := w.mustClaim(t, sess.ID)
	w.mustEnd(t, cl.Call.ID, queue.OutcomeAnswered)
	mustSkip(t, w, w.leader, sess.ID, cl.Supporter.ID, queue.SkipInput{Type: queue.SkipRemove, Reason: "wrong number"})
	if listed, err := w.s.IsDoNotCall(ctx, w.org.ID, cl.Supporter.Phone.E164); err != nil || listed {
		t.Fatalf("a plain removal listed the number: %v %v", listed, err)
	}
	k, ok, err := w.s.SkipOf(ctx, w.org.ID, sess.ID, cl.Supporter.ID)
	if err != nil || !ok || k.Describe(w.clock.Now()) != "Removed from this session: wrong number" {
		t.Fatalf("removal tooltip: %+v %v %v", k, ok, err)
	}

	asked := w.supporters[1]
	mustSkip(t, w, w.leader, sess.ID, asked, queue.SkipInput{Type: queue.SkipRemove, Reason: "asked not to be contacted", DoNotCall: true})
	k, ok, err = w.s.SkipOf(ctx, w.org.ID, theirs.ID, asked)
	if err != nil || !ok || k.SystemReason != queue.SystemSkipDoNotCall {
		t.Fatalf("in another session the listed supporter is not held out: %+v %v %v", k, ok, err)
	}
}

// skipState is what a failed skip must leave as it was.
func skipState(tb testing.TB, w *world, sessionID int64) string {
	tb.Helper()
	var state string
	err := w.s.Pool().QueryRow(context.Background(), `SELECT concat_ws(' | ',
		(SELECT string_agg(concat_ws(',', supporter_id, skip_type, skip_until, skip_reason, skipped_by, skipped_at), ';' ORDER BY supporter_id)
			FROM session_supporters WHERE session_id = $1),
		(SELECT count(*) FROM skip_audit), (SELECT count(*) FROM do_not_call),
		(SELECT started_at FROM calling_sessions WHERE id = $1))`, sessionID).Scan(&state)
	if err != nil {
		tb.Fatal(err)
	}
	return state
}

// R12: bad input gets a clear error naming the field and changes nothing.
func TestSkipRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 4)
	sess := w.mustSession(t, w.leader)
	onCall := w.mustClaim(t, sess.ID).Supporter.ID // w.supporters[0], ringing now
	sp, contacted := w.supporters[1], w.supporters[2]
	if _, err := w.s.Pool().Exec(ctx, `UPDATE session_supporters SET completed_at = $3, completed_by = $4
		WHERE session_id = $1 AND supporter_id = $2`, sess.ID, contacted, w.clock.Now(), w.leader.ID); err != nil {
		t.Fatal(err)
	}
	south := mustGroup(t, w.s, w.org.ID, "South")
	southList := mustList(t, w.s, w.org.ID, south.ID, "South list")
	elsewhere := mustSupporters(t, w.s, w.org.ID, south.ID, 1)[0]
	if _, err := w.s.AddListMembers(ctx, w.org.ID, southList.ID, []int64{elsewhere}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.s.StartSession(ctx, w.leader, southList.ID, ""); err != nil {
		t.Fatal(err)
	}
	member := w.mustLeader(t, "member")
	if _, err := w.s.Pool().Exec(ctx, `UPDATE users SET admin = false WHERE id = $1`, member.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.s.SetGroupRole(ctx, w.org.ID, member.ID, w.group.ID, queue.RoleMember); err != nil {
		t.Fatal(err)
	}
	member, _ = w.s.User(ctx, w.org.ID, member.ID)
	stranger := w.mustLeader(t, "stranger")
	stranger.OrganisationID = mustOrganisation(t, w.s, "elsewhere").ID

	skip := func(actor queue.User, supporter int64, in queue.SkipInput) func() error {
		return func() error { _, err := w.s.Skip(ctx, actor, sess.ID, supporter, in); return err }
	}
	cases := []struct {
		name  string
		do    func() error
		code  string
		field string
	}{
		{"ErrDatePast", skip(w.leader, sp, queue.SkipInput{Type: queue.SkipDate, Date: "2026-03-09"}), queue.EINVALID, "date"},
		{"ErrDateToday", skip(w.leader, sp, queue.SkipInput{Type: queue.SkipDate, Date: "2026-03-10"}), queue.EINVALID, "date"},
		{"ErrDateUnreadable", skip(w.leader, sp, queue.SkipInput{Type: queue.SkipDate, Date: "11/03/2026"}), queue.EINVALID, "date"},
		{"ErrDateNoSuchDay", skip(w.leader, sp, queue.SkipInput{Type: queue.SkipDate, Date: "2026-02-30"}), queue.EINVALID, "date"},
		{"ErrDateTooFar", skip(w.leader, sp, queue.SkipInput{Type: queue.SkipDate, Date: "2028-03-11"}), queue.EINVALID, "date"},
		{"ErrDateMissing", skip(w.leader, sp, queue.SkipInput{Type: queue.SkipDate}), queue.EINVALID, "date"},
		{"ErrDateWithOtherType", skip(w.leader, sp, queue.SkipInput{Type: queue.Skip1Hour, Date: "2026-03-11"}), queue.EINVALID, "date"},
		{"ErrRemoveNoReason", skip(w.leader, sp, queue.SkipInput{Type: queue.SkipRemove, Reason: "  "}), queue.EINVALID, "reason"},
		{"ErrReasonTooLong", skip(w.leader, sp, queue.SkipInput{Type: queue.Skip15Minutes, Reason: strings.Repeat("é", 501)}), queue.EINVALID, "reason"},
		{"ErrUnknownType", skip(w.leader, sp, queue.SkipInput{Type: "3h"}), queue.EINVALID, "type"},
		{"ErrNoType", skip(w.leader, sp, queue.SkipInput{}), queue.EINVALID, "type"},
		{"ErrDoNotCallWithoutRemove", skip(w.leader, sp, queue.SkipInput{Type: queue.SkipCycle, DoNotCall: true}), queue.EINVALID, "do_not_call"},
		{"ErrSupporterOfAnotherSession", skip(w.leader, elsewhere, queue.SkipInput{Type: queue.SkipCycle}), queue.ENOTFOUND, "supporter_id"},
		{"ErrNoSuchSupporter", skip(w.leader, 999999, queue.SkipInput{Type: queue.SkipCycle}), queue.ENOTFOUND, "supporter_id"},
		{"ErrOtherOrganisation", skip(stranger, sp, queue.SkipInput{Type: queue.SkipCycle}), queue.ENOTFOUND, ""},
		{"ErrMember", skip(member, sp, queue.SkipInput{Type: queue.SkipCycle}), queue.EFORBIDDEN, ""},
		{"ErrOnCall", skip(w.leader, onCall, queue.SkipInput{Type: queue.SkipRemove, Reason: "wrong number"}), queue.ECONFLICT, ""},
		{"ErrContacted", skip(w.leader, contacted, queue.SkipInput{Type: queue.SkipCycle}), queue.ECONFLICT, ""},
		{"ErrUnskipOtherOrganisation", func() error { return w.s.Unskip(ctx, stranger, sess.ID, sp) }, queue.ENOTFOUND, ""},
		{"ErrUnskipMember", func() error { return w.s.Unskip(ctx, member, sess.ID, sp) }, queue.EFORBIDDEN, ""},
		{"ErrUnskipSupporterOfAnotherSession", func() error { return w.s.Unskip(ctx, w.leader, sess.ID, elsewhere) }, queue.ENOTFOUND, "supporter_id"},
		{"ErrUnskipNotSkipped", func() error { return w.s.Unskip(ctx, w.leader, sess.ID, sp) }, queue.ECONFLICT, ""},
		{"ErrSkipOfOtherOrganisation", func() error {
			_, _, err := w.s.SkipOf(ctx, stranger.OrganisationID, sess.ID, sp)
			return err
		}, queue.ENOTFOUND, "supporter_id"},
		{"ErrAuditOfAnotherSession", func() error { _, err := w.s.SkipAudit(ctx, w.org.ID, sess.ID, elsewhere); return err }, queue.ENOTFOUND, "supporter_id"},
		{"ErrAuditOfOtherOrganisation", func() error {
			_, err := w.s.SkipAudit(ctx, stranger.OrganisationID, sess.ID, sp)
			return err
		}, queue.ENOTFOUND, "supporter_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := skipState(t, w, sess.ID)
			err := tc.do()
			if queue.ErrorCode(err) != tc.code || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want %s (field %q)", err, queue.ErrorField(err), tc.code, tc.field)
			}
			if after := skipState(t, w, sess.ID); after != before {
				t.Fatalf("a refused call changed the session:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// Two leaders skipping and unskipping one supporter at once leave the row
// as the last audit row says, and the audit alternates sensibly.
func TestSkipConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	actors := []queue.User{w.leader, w.mustLeader(t, "captain")}
	sp := w.supporters[0]
	types := []queue.SkipInput{{Type: queue.Skip15Minutes}, {Type: queue.Skip1Hour, Reason: "busy"},
		{Type: queue.SkipCycle}, {Type: queue.SkipRemove, Reason: "wrong number"}, {Type: queue.SkipToday}}
	var wg sync.WaitGroup
	for _, actor := range actors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 30 {
				if rand.IntN(2) == 0 {
					if _, err := w.s.Skip(ctx, actor, sess.ID, sp, types[rand.IntN(len(types))]); err != nil {
						t.Error(err)
					}
				} else if err := w.s.Unskip(ctx, actor, sess.ID, sp); err != nil && queue.ErrorCode(err) != queue.ECONFLICT {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()

	audit := mustAudit(t, w, sess.ID, sp)
	if len(audit) == 0 {
		t.Fatal("no skip succeeded")
	}
	for i, a := range audit {
		if a.Action == queue.SkipActionUnskip && (i == 0 || audit[i-1].Action != queue.SkipActionSkip ||
			audit[i-1].Type != a.Type || fmt.Sprint(audit[i-1].Until) != fmt.Sprint(a.Until)) {
			t.Fatalf("audit row %d removes a skip that was not the current one: %+v", i, audit[max(i-1, 0):i+1])
		}
	}
	last := audit[len(audit)-1]
	k, skipped, err := w.s.SkipOf(ctx, w.org.ID, sess.ID, sp)
	if err != nil {
		t.Fatal(err)
	}
	switch last.Action {
	case queue.SkipActionSkip:
		if !skipped || k.Type != last.Type || k.By != last.ActorID || k.Reason != last.Reason || fmt.Sprint(k.Until) != fmt.Sprint(last.Until) {
			t.Fatalf("row skip %+v does not match the last audit row %+v", k, last)
		}
	case queue.SkipActionUnskip:
		if skipped {
			t.Fatalf("row skipped %+v after the last audit row unskipped", k)
		}
	}
}

func TestParseSkipType(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"15m": "15 minutes", "30m": "30 minutes", "1h": "1 hour", "2h": "2 hours",
		"today": "Today", "date": "Custom date", "cycle": "This cycle", "remove": "Remove from this session"}
	for raw, label := range labels {
		if st, err := queue.ParseSkipType(raw); err != nil || st.Label() != label {
			t.Errorf("%q: %q %v, want label %q", raw, st.Label(), err, label)
		}
	}
	for _, raw := range []string{"", "3h", "forever", "TODAY "} {
		if _, err := queue.ParseSkipType(raw); queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != "type" {
			t.Errorf("%q: %v, want invalid type", raw, err)
		}
	}
}

func TestSkipDescribe(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	cases := []struct {
		skip queue.SupporterSkip
		want string
	}{
		{queue.SupporterSkip{Kind: queue.SkipKindSystem, SystemReason: queue.SystemSkipRecentlyCalled, Until: at(17*time.Minute + time.Second)},
			"recently called, retry in 18 minutes"},
		{queue.SupporterSkip{Kind: queue.SkipKindSystem, SystemReason: queue.SystemSkipRecentlyCalled, Until: at(30 * time.Second)},
			"recently called, retry in 1 minute"},
		{queue.SupporterSkip{Kind: queue.SkipKindSystem, SystemReason: queue.SystemSkipCallingHours, Until: at(9 * time.Hour), Timezone: "Australia/Sydney"},
			"outside calling hours (opens 08:00 their time)"},
		{queue.SupporterSkip{Kind: queue.SkipKindSystem, SystemReason: queue.SystemSkipDoNotCall}, "on the do-not-call list"},
		{queue.SupporterSkip{Kind: queue.SkipKindSystem, SystemReason: queue.SystemSkipInvalidNumber}, "invalid phone number"},
		{queue.SupporterSkip{Kind: queue.SkipKindSystem, SystemReason: queue.SystemSkipOnCall}, "on a call in another session"},
		{queue.SupporterSkip{Kind: queue.SkipKindSystem, SystemReason: queue.SystemSkipNotAllowed}, "number not allowed (outside the allowed destinations)"},
		{queue.SupporterSkip{Kind: queue.SkipKindLeader, Type: queue.Skip15Minutes, Until: at(12 * time.Minute), ByName: "Ana Lopez"},
			"Skipped for 15 minutes by Ana Lopez — returns in 12 minutes"},
		{queue.SupporterSkip{Kind: queue.SkipKindLeader, Type: queue.Skip2Hours, Until: at(119 * time.Minute), By: 7, Reason: "driving"},
			"Skipped for 2 hours by user 7 — returns in 2 hours: driving"},
		{queue.SupporterSkip{Kind: queue.SkipKindLeader, Type: queue.SkipToday, Until: at(12 * time.Hour), ByName: "Ana"},
			"Skipped for today by Ana — returns in 12 hours"},
		{queue.SupporterSkip{Kind: queue.SkipKindLeader, Type: queue.SkipDate, Until: at(61 * time.Hour), ByName: "Ana", Timezone: "Australia/Sydney"},
			"Skipped until Fri 13 Mar 2026 by Ana — returns in 3 days"},
		{queue.SupporterSkip{Kind: queue.SkipKindLeader, Type: queue.SkipCycle, ByName: "Ana"},
			"Skipped for this cycle by Ana — returns when a new cycle starts"},
		{queue.SupporterSkip{Kind: queue.SkipKindLeader, Type: queue.SkipRemove, Reason: "wrong number", ByName: "Ana"},
			"Removed from this session: wrong number"},
	}
	for _, tc := range cases {
		if got := tc.skip.Describe(now); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.skip, got, tc.want)
		}
	}
}
