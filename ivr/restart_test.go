package ivr_test

import (
	"context"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
)

// TestServerRestartMidCall: the server process restarts while a leader
// talks to a supporter; the new process (same name, new ARI connection, same
// database and Asterisk) adopts the call and the evening goes on (R10.5).
func TestServerRestartMidCall(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	stop := r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.up(leaderMobile)
	r.bridged(r.phone(0))

	stop()
	r.tel.Close()
	e, _ := r.engine("a", r.connect())
	r.wait("the call adopted", func() bool { return e.Driving(sess.ID) })

	// Still talking: * ends the supporter's leg, 1 logs it, the next rings.
	r.bridged(r.phone(0))
	r.press("*")
	r.wrapUp(sess.ID, 0)
	r.press("1")
	r.bridged(r.phone(1))
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":live answered",
		"supporter:"+r.phone(0)+":answered", "supporter:"+r.phone(1)+":live answered")
}

// TestServerRestartLeaderGone: the leader hung up while the server was down;
// on start it ends the leftover records and pauses the session.
func TestServerRestartLeaderGone(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	stop := r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	leader := r.up(leaderMobile)
	r.bridged(r.phone(0))

	stop()
	r.tel.Close()
	if err := r.sim.HangupFarEnd(leader.ID); err != nil {
		t.Fatal(err)
	}
	r.startEngine("a", r.connect())
	r.gone(r.phone(0))
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":answered", "supporter:"+r.phone(0)+":cut")
	r.phoneOver(sess.ID)
}

// TestAsteriskRestart: Asterisk restarts (every channel gone, no events);
// after the reconnect the records are ended, the session paused, and no
// record stays live (R10.1, R10.5).
func TestAsteriskRestart(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.up(leaderMobile)
	r.bridged(r.phone(0))
	r.sim.Restart()
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":answered", "supporter:"+r.phone(0)+":cut")
	r.phoneOver(sess.ID)
}

// TestWebsocketDrop: the events websocket drops while a supporter rings and
// comes back; what happened in the gap is found by reconciliation.
func TestWebsocketDrop(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.sim.SetScript(r.phone(0), arisim.Script{RingFor: 2 * time.Second, HangupAfter: 4 * time.Second})
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.up(leaderMobile)
	r.wait("supporter dialled", func() bool { c, ok := r.channel(r.phone(0)); return ok && c.Dialled })
	r.sim.DropWebsockets()
	// The phone answers and hangs up while nobody listens.
	r.clock.Advance(10 * time.Second)
	r.gone(r.phone(0))
	// Nobody saw how it ended: the supporter is "cut" and called again first.
	r.wrapUp(sess.ID, 0)
	r.press("5")
	r.wait("supporter 0 dialled again", func() bool { c, ok := r.channel(r.phone(0)); return ok && c.Dialled })
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":live answered", "supporter:"+r.phone(0)+":cut",
		"supporter:"+r.phone(0)+":answered")
}

// TestTakeover: an instance dies; once its lease runs out another instance
// ends what it left and rings the leader again.
func TestTakeover(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	stopA := r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.up(leaderMobile)
	r.bridged(r.phone(0))
	stopA()

	b, _ := r.engine("b", r.connect()) // a's lease runs out in the database's time
	// b is connected to the same Asterisk application: it adopts the call.
	r.wait("b drives the session", func() bool { return b.Driving(sess.ID) })
	r.press("*")
	r.wrapUp(sess.ID, 0)
	r.press("5")
	r.bridged(r.phone(1))
	var driver string
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT driver FROM session_phones WHERE session_id = $1`, sess.ID).Scan(&driver); err != nil || driver != "b" {
		t.Fatalf("driver %q, %v", driver, err)
	}
}
