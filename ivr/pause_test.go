package ivr_test

import (
	"context"
	"testing"

	"github.com/supporterbase/callingsessions/ari/arisim"
)

// TestPauseAndResume: the leader hangs up mid-call; the supporter's leg
// ends too and is "cut"; on Resume that supporter is called again first
// (R4.4). A second Start while the phone is live changes nothing.
func TestPauseAndResume(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	leader := r.up(leaderMobile)
	r.bridged(r.phone(0))

	// A second click while the phone is live: no second leader leg.
	if created, err := r.store.RequestPhone(context.Background(), r.leader, sess.ID); err != nil || created {
		t.Fatalf("second Start: created %v, %v", created, err)
	}
	if err := r.sim.HangupFarEnd(leader.ID); err != nil {
		t.Fatal(err)
	}
	r.gone(r.phone(0))
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":answered", "supporter:"+r.phone(0)+":cut")
	r.phoneOver(sess.ID)

	// Resume: the cut supporter first.
	r.start(r.leader)
	r.up(leaderMobile)
	r.bridged(r.phone(0))
}

// TestPageClosed: closing the panel's page pauses like hanging up (R4.4).
func TestPageClosed(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	r.sim.SetScript(r.phone(0), arisim.Script{Outcome: arisim.NoAnswer})
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.up(leaderMobile)
	r.wait("supporter ringing", func() bool { c, ok := r.channel(r.phone(0)); return ok && c.Dialled })
	if err := r.store.HangUpPhone(context.Background(), r.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	r.gone(leaderMobile)
	r.gone(r.phone(0))
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":answered", "supporter:"+r.phone(0)+":cut")
}

// TestLeaderDoesNotAnswer: an unanswered leader leg ends the phone request;
// nobody is dialled.
func TestLeaderDoesNotAnswer(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	r.sim.SetScript(leaderMobile, arisim.Script{Outcome: arisim.Busy})
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":busy")
	r.phoneOver(sess.ID)
}
