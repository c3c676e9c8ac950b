package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

func mustStats(tb testing.TB, w *world, sessionID int64) queue.SessionStats {
	tb.Helper()
	st, err := w.s.SessionStats(context.Background(), w.org.ID, sessionID)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// R3.1-R3.3, R9.1: the dashboard's figures after a scripted evening, number
// by number.
func TestSessionStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 10)
	event := mustEvent(t, w.s, w.org.ID, w.group.ID, "Rally")
	if _, err := w.s.UpdateList(ctx, w.org.ID, w.list.ID, w.list.Name, event.ID); err != nil {
		t.Fatal(err)
	}
	sess := w.mustSession(t, w.leader)
	sp := w.supporters

	fresh := mustStats(t, w, sess.ID)
	want := queue.SessionStats{SessionID: sess.ID, HasEvent: true, Progress: queue.Progress{Total: 10},
		Current: queue.CurrentCycle{Number: 1, StartedAt: sess.CycleStartedAt, Available: 10, Action: queue.CycleActionStart}}
	if fmt.Sprintf("%+v", fresh) != fmt.Sprintf("%+v", want) {
		t.Fatalf("new session:\n got %+v\nwant %+v", fresh, want)
	}

	sqlSkip(t, w, sess.ID, sp[7], queue.SkipRemove, 0, "wrong number")
	c := dial(t, w, sess.ID, queue.OutcomeAnswered, 60*time.Second) // sp[0]: contacted, RSVP yes
	sqlLog(t, w, c, true, "yes")
	dial(t, w, sess.ID, queue.OutcomeAnswered, 29500*time.Millisecond) // sp[1]: answered, not logged; 30 s
	dial(t, w, sess.ID, queue.OutcomeNoAnswer, 0)                      // sp[2]
	dial(t, w, sess.ID, queue.OutcomeBusy, 0)                          // sp[3]
	dial(t, w, sess.ID, queue.OutcomeFailed, 0)                        // sp[4]
	dial(t, w, sess.ID, queue.OutcomeRejected, 0)                      // sp[5]: counts as failed
	dial(t, w, sess.ID, queue.OutcomeRefused, 0)                       // sp[6]: never dialled
	c = dial(t, w, sess.ID, queue.OutcomeAnswered, 10*time.Second)     // sp[8]: logged not contacted, RSVP maybe
	sqlLog(t, w, c, false, "maybe")

	got := mustStats(t, w, sess.ID)
	want = queue.SessionStats{SessionID: sess.ID, HasEvent: true,
		Progress: queue.Progress{Completed: 1, Total: 10, Removed: 1},
		Impact: queue.CallStats{CallsAttempted: 7, ContactsMade: 1, Answered: 3, NoAnswer: 1, Busy: 1, Failed: 2,
			NotLogged: 1, TalkSeconds: 100, RSVPYes: 1, RSVPMaybe: 1},
		Current: queue.CurrentCycle{Number: 1, StartedAt: sess.CycleStartedAt, Available: 1, Action: queue.CycleActionResume}}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("after the evening:\n got %+v\nwant %+v", got, want)
	}
	if got.Impact.TalkTime() != 100*time.Second {
		t.Fatalf("talk time %v", got.Impact.TalkTime())
	}

	dial(t, w, sess.ID, queue.OutcomeNoAnswer, 0) // sp[9]: the cycle is complete
	got = mustStats(t, w, sess.ID)
	if got.Current.Available != 0 || got.Current.Action != queue.CycleActionNewCycle || got.Impact.CallsAttempted != 8 {
		t.Fatalf("complete cycle: %+v", got)
	}
	if got.Current.Action.Label() != "Start a new cycle" {
		t.Fatalf("button %q", got.Current.Action.Label())
	}

	// A new cycle keeps the session-wide figures and restarts the card.
	w.clock.Advance(time.Hour)
	if _, err := w.s.StartNewCycle(ctx, w.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	after := mustStats(t, w, sess.ID)
	// Back: sp[1]-sp[5], sp[8], sp[9]; sp[0] contacted, sp[6] refused (R7.5)
	// and sp[7] removed stay out.
	if after.Impact != got.Impact || after.Progress != got.Progress || after.Current.Number != 2 ||
		after.Current.Available != 7 || after.Current.Action != queue.CycleActionResume {
		t.Fatalf("after a new cycle:\n got %+v\nwas %+v", after, got)
	}
}

// A list without an event shows no RSVPs, and the card counts available
// supporters only up to queue.MaxAvailableCount.
func TestSessionStatsAvailableCap(t *testing.T) {
	t.Parallel()
	w := newWorld(t, queue.MaxAvailableCount+5)
	sess := w.mustSession(t, w.leader)
	st := mustStats(t, w, sess.ID)
	if st.HasEvent || st.Progress.Total != queue.MaxAvailableCount+5 ||
		st.Current.Available != queue.MaxAvailableCount || !st.Current.MoreAvailable {
		t.Fatalf("stats of a large session: %+v", st)
	}
	for range 5 {
		dial(t, w, sess.ID, queue.OutcomeNoAnswer, 0)
	}
	st = mustStats(t, w, sess.ID)
	if st.Current.Available != queue.MaxAvailableCount || st.Current.MoreAvailable {
		t.Fatalf("stats with exactly the cap available: %+v", st)
	}
}

func TestSessionStatsNotFound(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	sess := w.mustSession(t, w.leader)
	stranger := w.stranger(t)
	for _, tc := range []struct {
		name       string
		org, sessn int64
	}{
		{"ErrOtherOrganisation", stranger.OrganisationID, sess.ID},
		{"ErrNoSession", w.org.ID, sess.ID + 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := w.s.SessionStats(context.Background(), tc.org, tc.sessn); queue.ErrorCode(err) != queue.ENOTFOUND {
				t.Fatalf("stats: %v, want not found", err)
			}
			if _, err := w.s.Journey(context.Background(), tc.org, tc.sessn); queue.ErrorCode(err) != queue.ENOTFOUND {
				t.Fatalf("journey: %v, want not found", err)
			}
		})
	}
}

// progressDrift recounts every session's progress from its queue rows and
// describes any session whose kept counts (migration 0006) differ.
func progressDrift(w *world) string {
	var drift string
	err := w.s.Pool().QueryRow(context.Background(), `
		SELECT coalesce(string_agg(format('session %s keeps %s/%s/%s, rows say %s/%s/%s', s.id,
			s.on_list_count, s.completed_count, s.removed_count, c.on_list, c.completed, c.removed), '; '), '')
		FROM calling_sessions s
		CROSS JOIN LATERAL (
			SELECT count(*) AS on_list, count(completed_at) AS completed,
				count(*) FILTER (WHERE skip_type = 'remove') AS removed
			FROM session_supporters WHERE session_id = s.id AND on_list) c
		WHERE (s.on_list_count, s.completed_count, s.removed_count) <> (c.on_list, c.completed, c.removed)`).Scan(&drift)
	if err != nil {
		return err.Error()
	}
	return drift
}

// R3.1: the progress bar follows a contact corrected to "not contacted",
// a supporter leaving and rejoining the list, and a supporter deleted.
func TestSessionProgressFollowsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 5)
	sess := w.mustSession(t, w.leader)
	other := w.mustSession(t, w.mustLeader(t, "other"))
	progress := func(step string, want queue.Progress) {
		t.Helper()
		if got := mustStats(t, w, sess.ID).Progress; got != want {
			t.Fatalf("%s: progress %+v, want %+v", step, got, want)
		}
		if diff := progressDrift(w); diff != "" {
			t.Fatalf("%s: %s", step, diff)
		}
	}
	c := dial(t, w, sess.ID, queue.OutcomeAnswered, 30*time.Second)
	contact, err := w.s.LogContact(ctx, w.leader, sess.ID, queue.ContactInput{CallID: c.ID, SupporterID: c.SupporterID,
		Contacted: true, Method: queue.MethodPhone, IdempotencyKey: "progress-1"})
	if err != nil {
		t.Fatal(err)
	}
	progress("contacted", queue.Progress{Total: 5, Completed: 1})
	if _, err := w.s.CorrectContact(ctx, w.leader, contact.ID, queue.ContactInput{CallID: c.ID, SupporterID: c.SupporterID,
		Contacted: false, Method: queue.MethodPhone, IdempotencyKey: "progress-1"}); err != nil {
		t.Fatal(err)
	}
	progress("corrected", queue.Progress{Total: 5})
	if err := w.s.RemoveListMember(ctx, w.org.ID, w.list.ID, w.supporters[4]); err != nil {
		t.Fatal(err)
	}
	progress("left the list", queue.Progress{Total: 4})
	if _, err := w.s.AddListMembers(ctx, w.org.ID, w.list.ID, []int64{w.supporters[4]}); err != nil {
		t.Fatal(err)
	}
	progress("back on the list", queue.Progress{Total: 5})
	if err := w.s.DeleteSupporter(ctx, w.org.ID, w.supporters[3]); err != nil {
		t.Fatal(err)
	}
	progress("deleted", queue.Progress{Total: 4})
	if got := mustStats(t, w, other.ID).Progress; got != (queue.Progress{Total: 4}) {
		t.Fatalf("the other session: %+v", got)
	}
}
