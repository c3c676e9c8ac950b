package ivr_test

import (
	"context"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/queue"
)

// TestEvening: a leader works a list of 10 with answered calls, no answer,
// busy, a wrong number and a supporter hanging up, with keys in every
// state, until the cycle is complete (R4.1-R4.5, R4.6, R5.2).
func TestEvening(t *testing.T) {
	t.Parallel()
	r := newRig(t, 10)
	r.sim.SetScript(r.phone(1), arisim.Script{Outcome: arisim.NoAnswer})
	r.sim.SetScript(r.phone(2), arisim.Script{Outcome: arisim.Busy})
	r.sim.SetScript(r.phone(3), arisim.Script{Outcome: arisim.NotFound})
	r.sim.SetScript(r.phone(4), arisim.Script{HangupAfter: 5 * time.Second})
	r.sim.SetScript(r.phone(5), arisim.Script{Outcome: arisim.Congestion})
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)

	leader := r.up(leaderMobile)
	if leader.CallerID != r.org.CallerID {
		t.Fatalf("leader rung with caller ID %q, want the organisation's %q", leader.CallerID, r.org.CallerID)
	}
	// 0 answers: they talk; the leader ends it with * and logs contacted with 1.
	r.bridged(r.phone(0))
	r.press("5") // not a key during a call: nothing happens
	r.press("*")
	r.wrapUp(sess.ID, 0)
	r.press("1")
	// 1 rings until the ring timeout: no answer; any key goes on.
	r.wrapUp(sess.ID, 1)
	r.press("#")
	// 2 is busy: nobody was reached, so 1 only goes on (issue 18, item 4).
	r.wrapUp(sess.ID, 2)
	r.press("1")
	// 3 is a wrong number (the carrier says 404); 9 removes them.
	r.wrapUp(sess.ID, 3)
	r.press("9")
	// 4 answers and hangs up after 5 s.
	r.bridged(r.phone(4))
	r.wrapUp(sess.ID, 4)
	r.press("0")
	// 5 is congested (failed); then 6-9 answer and are ended with *.
	r.wrapUp(sess.ID, 5)
	r.press("3")
	for i := 6; i < 10; i++ {
		r.bridged(r.phone(i))
		r.press("*")
		r.wrapUp(sess.ID, i)
		r.press(map[int]string{6: "2"}[i] + "4")
	}
	// R4.5: nobody left: "this cycle is complete", and the call ends.
	r.gone(leaderMobile)
	r.recordsEnd(sess.ID,
		"leader:"+leaderMobile+":answered",
		"supporter:"+r.phone(0)+":answered",
		"supporter:"+r.phone(1)+":no_answer",
		"supporter:"+r.phone(2)+":busy",
		"supporter:"+r.phone(3)+":failed",
		"supporter:"+r.phone(4)+":answered",
		"supporter:"+r.phone(5)+":failed",
		"supporter:"+r.phone(6)+":answered",
		"supporter:"+r.phone(7)+":answered",
		"supporter:"+r.phone(8)+":answered",
		"supporter:"+r.phone(9)+":answered",
	)
	ctx := context.Background()
	// The keypad logged 0 contacted and 6 not contacted, and removed 3;
	// busy 2 was never reached, so its 1 logged nothing.
	for i, want := range map[int]bool{0: true, 6: false} {
		c, ok, err := r.store.ContactForCall(ctx, r.org.ID, r.callTo(sess.ID, i))
		if err != nil || !ok || c.Contacted != want {
			t.Fatalf("contact for supporter %d: %+v ok %v err %v", i, c, ok, err)
		}
	}
	if c, ok, err := r.store.ContactForCall(ctx, r.org.ID, r.callTo(sess.ID, 2)); err != nil || ok {
		t.Fatalf("busy supporter 2 logged %+v (err %v): a leg that never connected is never contacted", c, err)
	}
	r.shownTheOrganisation()
	skip, ok, err := r.store.SkipOf(ctx, r.org.ID, sess.ID, r.supporters[3].ID)
	if err != nil || !ok || skip.Type != queue.SkipRemove || skip.Reason != "wrong number" {
		t.Fatalf("supporter 3: %+v ok %v err %v", skip, ok, err)
	}
	r.phoneOver(sess.ID)
	if st := r.status(sess.ID); st != queue.StatusCompleted {
		t.Fatalf("session %s after the cycle, want completed", st)
	}
	// Every leg's channel is recorded (R4.6).
	var missing int
	if err := r.store.Pool().QueryRow(ctx, `SELECT count(*) FROM call_records WHERE session_id = $1 AND channel_id IS NULL`, sess.ID).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d records without a channel (%v)", missing, err)
	}
}

// shownTheOrganisation checks that every phone dialled, leader and
// supporters, was shown the organisation's number and name in From and
// P-Asserted-Identity, never "Anonymous" (R10.2).
func (r *rig) shownTheOrganisation() {
	r.t.Helper()
	invites := r.sim.Invites()
	if len(invites) == 0 {
		r.t.Fatal("no phone was dialled")
	}
	for _, inv := range invites {
		if inv.Anonymous || inv.FromNum != orgCallerID || inv.FromName != orgCallerName {
			r.t.Errorf("%s was shown %q <%s>; want %q <%s>", inv.Number, inv.FromName, inv.FromNum, orgCallerName, orgCallerID)
		}
	}
}

// callTo is the session's call record id for supporter i.
func (r *rig) callTo(sessionID int64, i int) int64 {
	r.t.Helper()
	var id int64
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT id FROM call_records
		WHERE session_id = $1 AND supporter_id = $2 ORDER BY id DESC LIMIT 1`, sessionID, r.supporters[i].ID).Scan(&id); err != nil {
		r.t.Fatal(err)
	}
	return id
}

func (r *rig) status(sessionID int64) queue.SessionStatus {
	r.t.Helper()
	s, err := r.store.Session(context.Background(), r.org.ID, sessionID)
	if err != nil {
		r.t.Fatal(err)
	}
	return s.Status
}
