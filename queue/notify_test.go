package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// listen collects notifications of one session until the test ends.
func listen(t *testing.T, w *world) <-chan queue.Notification {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	notes := make(chan queue.Notification, 100)
	done := make(chan error, 1)
	go func() { done <- w.s.Listen(ctx, func(n queue.Notification) { notes <- n }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listen: %v", err)
		}
	})
	// LISTEN must be in place before the test changes anything: announce
	// until our own notification comes back.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := w.s.Pool().Exec(ctx, `SELECT pg_notify($1, '{"kind":"ready"}')`, queue.NotifyChannel); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-notes:
			if n.Kind == "ready" {
				drain(notes)
				return notes
			}
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("listener never started")
	return nil
}

// expect waits for notifications of every kind given about session, in any
// order.
func expect(t *testing.T, notes <-chan queue.Notification, sessionID int64, kinds ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	timeout := time.After(5 * time.Second)
	for len(want) > 0 {
		select {
		case n := <-notes:
			if n.SessionID == sessionID {
				delete(want, n.Kind)
			}
		case <-timeout:
			t.Fatalf("no %v notification for session %d", want, sessionID)
		}
	}
}

// announce runs one announcer pass, as every instance does a few times a
// second.
func announce(t *testing.T, w *world) int {
	t.Helper()
	n, err := w.s.AnnounceChanges(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	notes := listen(t, w)
	sess := w.mustSession(t, w.leader)
	announce(t, w)
	expect(t, notes, sess.ID, "session")

	cl := w.mustClaim(t, sess.ID)
	announce(t, w)
	expect(t, notes, sess.ID, "call", "queue")

	// Live sync: a newcomer on the list reaches the session's listeners.
	w.mustEnd(t, cl.Call.ID, queue.OutcomeBusy)
	if err := w.s.AddListMember(ctx, w.org.ID, w.list.ID, w.outsider(t)); err != nil {
		t.Fatal(err)
	}
	announce(t, w)
	expect(t, notes, sess.ID, "queue")
	drain(notes)

	// A change rolled back is never announced.
	tx, err := w.s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE calling_sessions SET name = 'rolled back' WHERE id = $1`, sess.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := announce(t, w); n != 0 {
		t.Fatalf("a rolled-back change sent %d notifications", n)
	}
	if _, err := w.s.RenameSession(ctx, w.leader, sess.ID, "Committed"); err != nil {
		t.Fatal(err)
	}
	announce(t, w)
	select {
	case n := <-notes:
		if n.Kind != "session" {
			t.Fatalf("first notification after the rollback: %+v", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("rename not announced")
	}
	drain(notes)
	if len(notes) != 0 {
		t.Fatalf("extra notifications: %d", len(notes))
	}
}

// TestNotificationsDebounced: many changes between two passes cost one
// notification per kind, and a pass with nothing changed sends nothing.
func TestNotificationsDebounced(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5)
	sess := w.mustSession(t, w.leader)
	announce(t, w)
	for range 3 {
		cl := w.mustClaim(t, sess.ID)
		w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
	}
	if n := announce(t, w); n != 3 {
		t.Fatalf("three calls announced with %d notifications, want 3 (call, queue, session)", n)
	}
	if n := announce(t, w); n != 0 {
		t.Fatalf("a pass with no change sent %d notifications", n)
	}
}

// TestNotificationsNeverLost: a change committing while announcers run (two
// instances at once) is announced exactly once, by one of them, in that
// pass or the next.
func TestNotificationsNeverLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	notes := listen(t, w)
	announce(t, w)
	drain(notes)

	const renames = 10
	stop := make(chan struct{})
	announcers := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				select {
				case <-stop:
					announcers <- nil
					return
				default:
				}
				if _, err := w.s.AnnounceChanges(ctx); err != nil {
					announcers <- err
					return
				}
			}
		}()
	}
	for i := range renames {
		if _, err := w.s.RenameSession(ctx, w.leader, sess.ID, fmt.Sprintf("Evening %d", i)); err != nil {
			t.Fatal(err)
		}
		if got := announcedOnce(notes, sess.ID, "session"); got != 1 {
			t.Fatalf("rename %d announced %d times, want once", i, got)
		}
	}
	close(stop)
	for range 2 {
		if err := <-announcers; err != nil {
			t.Fatal(err)
		}
	}
}

// countFor counts the notifications of kind about session that arrive
// within wait.
func countFor(notes <-chan queue.Notification, sessionID int64, kind string, wait time.Duration) int {
	n := 0
	timeout := time.After(wait)
	for {
		select {
		case note := <-notes:
			if note.SessionID == sessionID && note.Kind == kind {
				n++
			}
		case <-timeout:
			return n
		}
	}
}

// announcedOnce waits (up to 5 s: a loaded machine delays the announcer)
// for the first notification of kind about session, then counts any more
// that follow within 250 ms, one announcer pass: how many times a change
// was announced.
func announcedOnce(notes <-chan queue.Notification, sessionID int64, kind string) int {
	deadline := time.After(5 * time.Second)
	for {
		select {
		case note := <-notes:
			if note.SessionID == sessionID && note.Kind == kind {
				return 1 + countFor(notes, sessionID, kind, 250*time.Millisecond)
			}
		case <-deadline:
			return 0
		}
	}
}

// drain discards the notifications waiting (extra "ready" ones).
func drain(notes <-chan queue.Notification) {
	time.Sleep(100 * time.Millisecond)
	for len(notes) > 0 {
		<-notes
	}
}
