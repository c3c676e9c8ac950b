package queue_test

import (
	"context"
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

// expect waits for a notification of kind about session.
func expect(t *testing.T, notes <-chan queue.Notification, sessionID int64, kind string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case n := <-notes:
			if n.SessionID == sessionID && n.Kind == kind {
				return
			}
		case <-timeout:
			t.Fatalf("no %q notification for session %d", kind, sessionID)
		}
	}
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	notes := listen(t, w)
	sess := w.mustSession(t, w.leader)
	expect(t, notes, sess.ID, "session")

	cl := w.mustClaim(t, sess.ID)
	expect(t, notes, sess.ID, "call")
	expect(t, notes, sess.ID, "queue")

	// Live sync: a newcomer on the list reaches the session's listeners.
	w.mustEnd(t, cl.Call.ID, queue.OutcomeBusy)
	if err := w.s.AddListMember(ctx, w.org.ID, w.list.ID, w.outsider(t)); err != nil {
		t.Fatal(err)
	}
	expect(t, notes, sess.ID, "queue")

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
	if _, err := w.s.RenameSession(ctx, w.leader, sess.ID, "Committed"); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-notes:
		if n.Kind != "session" {
			t.Fatalf("first notification after the rollback: %+v", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("rename not announced")
	}
	if len(notes) != 0 {
		t.Fatalf("extra notifications: %d", len(notes))
	}
}

// drain discards the notifications waiting (extra "ready" ones).
func drain(notes <-chan queue.Notification) {
	time.Sleep(100 * time.Millisecond)
	for len(notes) > 0 {
		<-notes
	}
}
