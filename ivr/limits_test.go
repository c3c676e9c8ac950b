package ivr_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// TestMaxCallDuration: a supporter's call is ended at the organisation's
// maximum call duration (R10.2).
func TestMaxCallDuration(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	if _, err := r.store.Pool().Exec(context.Background(), `UPDATE organisations SET max_call_duration = '10 minutes' WHERE id = $1`, r.org.ID); err != nil {
		t.Fatal(err)
	}
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.bridged(r.phone(0))
	// A minute at a time: the timer starts just after the bridge, on the
	// driver's goroutine.
	for i := 0; i < 100 && !r.inWrapUp(sess.ID); i++ {
		r.clock.Advance(time.Minute)
		time.Sleep(5 * time.Millisecond)
	}
	r.wrapUp(sess.ID, 0)
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":live answered", "supporter:"+r.phone(0)+":answered")
}

// TestCallCap: at the organisation's cap on concurrent calls the leader
// hears "all lines are busy" and a key tries again (R10.4).
func TestCallCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 2)
	if _, err := r.store.Pool().Exec(ctx, `UPDATE organisations SET max_concurrent_calls = 1 WHERE id = $1`, r.org.ID); err != nil {
		t.Fatal(err)
	}
	// Another session, driven by another instance, holds the only line.
	other := r.user("other", "+447400123457")
	otherSess, _, err := r.store.StartSession(ctx, other, r.list.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.RequestPhone(ctx, other, otherSess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.TakePhones(ctx, "elsewhere", time.Hour, 1, nil); err != nil {
		t.Fatal(err)
	}
	held, ok, err := r.store.Claim(ctx, r.org.ID, otherSess.ID)
	if err != nil || !ok {
		t.Fatalf("claim for the other session: ok %v, %v", ok, err)
	}
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.up(leaderMobile)
	r.wait("lines busy", func() bool {
		for _, e := range r.sim.Transcript() {
			if e.Kind == "request" && strings.Contains(e.Path+string(e.Body), "lines-busy") {
				return true
			}
		}
		return false
	})
	if _, err := r.store.CallEnded(ctx, r.org.ID, held.Call.ID, queue.OutcomeBusy, 17, "User busy"); err != nil {
		t.Fatal(err)
	}
	r.press("5")
	r.bridged(r.phone(1))
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":live answered", "supporter:"+r.phone(1)+":live answered")
}

// TestKeypadAfterPanelLog: a contact logged in the panel during wrap-up
// counts; the keypad's 2 then logs nothing more (R4.3, R5.3).
func TestKeypadAfterPanelLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 2)
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.bridged(r.phone(0))
	r.press("*")
	r.wrapUp(sess.ID, 0)
	call := r.callTo(sess.ID, 0)
	if _, err := r.store.LogContact(ctx, r.leader, sess.ID, queue.ContactInput{CallID: call,
		SupporterID: r.supporters[0].ID, Contacted: true, IdempotencyKey: "panel-1"}); err != nil {
		t.Fatal(err)
	}
	r.press("2")
	r.bridged(r.phone(1))
	c, ok, err := r.store.ContactForCall(ctx, r.org.ID, call)
	if err != nil || !ok || !c.Contacted || c.IdempotencyKey != "panel-1" {
		t.Fatalf("contact %+v ok %v err %v: the panel's log should stand", c, ok, err)
	}
	var n int
	if err := r.store.Pool().QueryRow(ctx, `SELECT count(*) FROM contacts WHERE session_id = $1`, sess.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d contacts (%v), want 1", n, err)
	}
}
