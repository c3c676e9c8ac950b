package ivr_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/queue"
)

// What a real Asterisk showed (issue 18), each on the simulator made true
// to its recordings, through the real ari/v5 client.

// TestTwentyLeadersCreateRace: 20 leaders on one list while every new leg
// enters the application a moment after channels/create answers, as on a
// busy Asterisk. No supporter leg fails although every phone answers (a
// caller-ID request sent before StasisStart got 409 and failed 1 leg in
// 10), and every phone, leaders' and supporters', is shown the
// organisation's number and name (R10.2).
func TestTwentyLeadersCreateRace(t *testing.T) {
	t.Parallel()
	r := newRig(t, 60, func(c *arisim.Config) { c.StasisDelay = 50 * time.Millisecond })
	for i := range r.supporters {
		r.sim.SetScript(r.phone(i), arisim.Script{HangupAfter: time.Second})
	}
	r.startEngine("a", r.tel)
	leaders := []queue.User{r.leader}
	for i := 1; i < 20; i++ {
		leaders = append(leaders, r.user("leader"+string(rune('a'+i)), "+4474001235"+string(rune('0'+i/10))+string(rune('0'+i%10))))
	}
	var sessions []int64
	for _, l := range leaders {
		sessions = append(sessions, r.start(l).ID)
	}
	r.wait("40 supporter calls ended", func() bool {
		for i, id := range sessions {
			if r.inWrapUp(id) {
				_ = r.sim.PressNumber(leaders[i].Mobile, "5") // the call may just have ended
			}
		}
		return r.endedSupporterLegs(sessions) >= 40
	})
	var failed int
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM call_records
		WHERE session_id = ANY($1) AND leg = 'supporter' AND outcome = 'failed'`, sessions).Scan(&failed); err != nil {
		t.Fatal(err)
	}
	if failed != 0 {
		t.Errorf("%d supporter legs failed while every phone answered:\n%s", failed, r.allRecords())
	}
	r.shownTheOrganisation()
}

func (r *rig) endedSupporterLegs(sessions []int64) int {
	var n int
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM call_records
		WHERE session_id = ANY($1) AND leg = 'supporter' AND state = 'ended'`, sessions).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// TestVoicemailAnswersTheLeader: the leader's voicemail answers (the phone
// answers and no key ever comes). Nobody is dialled: the leader is asked
// for a key twice, the call ends after the confirmation time with the
// reason on the leader's record, and the session pauses with it (R4.1).
func TestVoicemailAnswersTheLeader(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.sim.SetScript(leaderMobile, arisim.Script{}) // answers, presses nothing
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.up(leaderMobile)
	r.gone(leaderMobile)
	r.phoneOver(sess.ID)
	if invites := r.sim.Invites(); len(invites) != 1 || invites[0].Number != leaderMobile {
		t.Fatalf("phones rung: %+v; want the leader's only", invites)
	}
	if n := r.played("sound:callingd/press-to-start"); n != 2 {
		t.Errorf("the leader was asked for a key %d times, want 2", n)
	}
	var cause string
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT hangup_cause_text FROM call_records
		WHERE session_id = $1 AND leg = 'leader'`, sess.ID).Scan(&cause); err != nil {
		t.Fatal(err)
	}
	s, err := r.store.Session(context.Background(), r.org.ID, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cause, "No key was pressed") || s.PauseReason != cause {
		t.Errorf("leader leg ended with %q, session paused with %q; want the unconfirmed reason on both", cause, s.PauseReason)
	}
	// Resume, and this time the leader answers with a key: the reason goes.
	r.sim.SetScript(leaderMobile, leaderScript)
	r.start(r.leader)
	r.bridged(r.phone(0))
	if s, _ := r.store.Session(context.Background(), r.org.ID, sess.ID); s.PauseReason != "" {
		t.Errorf("pause reason %q after Resume, want none", s.PauseReason)
	}
}

// TestConfirmationOff: an organisation that turned confirmation off has its
// first supporter dialled after the greeting, with no key.
func TestConfirmationOff(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	if _, err := r.store.Pool().Exec(context.Background(), `UPDATE organisations SET confirm_leader = false WHERE id = $1`, r.org.ID); err != nil {
		t.Fatal(err)
	}
	r.sim.SetScript(leaderMobile, arisim.Script{})
	r.startEngine("a", r.tel)
	r.start(r.leader)
	r.bridged(r.phone(0))
	if n := r.played("sound:callingd/press-to-start"); n != 0 {
		t.Errorf("asked for a key %d times with confirmation off", n)
	}
}

// TestRingbackInTheToneZone: while a supporter rings the leader hears the
// ringback of the organisation's tone zone; where Asterisk has no such
// zone the playback fails, and the call goes on regardless.
func TestRingbackInTheToneZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		zones  []string
		failed bool
	}{{"ZoneLoaded", []string{"uk"}, false}, {"NoIndications", nil, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 2, func(c *arisim.Config) { c.ToneZones = tc.zones })
			r.sim.SetScript(r.phone(0), arisim.Script{RingFor: 3 * time.Second})
			r.startEngine("a", r.tel)
			r.start(r.leader)
			r.bridged(r.phone(0))
			played, failed := r.played("tone:ring;tonezone=uk"), 0
			for _, e := range r.sim.Transcript() {
				body := string(e.Body)
				if e.Kind == "event" && strings.Contains(body, `"PlaybackFinished"`) && strings.Contains(body, `"state":"failed"`) {
					failed++
				}
			}
			if played != 1 || (failed > 0) != tc.failed {
				t.Errorf("ringback played %d times (want 1, in zone uk), %d failed (want failures: %v)", played, failed, tc.failed)
			}
		})
	}
}

// TestAdoptedWrapUpKeys: the server restarts while the leader is in
// wrap-up; the adopted call still knows whom 1 logs (R4.3, R10.5).
func TestAdoptedWrapUpKeys(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.sim.SetScript(r.phone(0), arisim.Script{HangupAfter: time.Second})
	stop := r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	// Not waiting to see them bridged: they hang up a second (of the test
	// clock) after answering, which a loaded machine can outrun.
	r.wrapUp(sess.ID, 0)

	stop()
	r.tel.Close()
	e, _ := r.engine("a", r.connect())
	r.wait("the call adopted", func() bool { return e.Driving(sess.ID) })
	r.press("1")
	r.bridged(r.phone(1))
	r.wait("supporter 0 logged contacted", func() bool {
		c, ok, err := r.store.ContactForCall(context.Background(), r.org.ID, r.callTo(sess.ID, 0))
		return err == nil && ok && c.Contacted
	})
}

// TestRestartEndsRingingLegWithACause: the leader hung up while the server
// was down and their supporter still rings; the restarted server hangs the
// supporter up itself and records that, not a channel lost unseen.
func TestRestartEndsRingingLegWithACause(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.sim.SetScript(r.phone(0), arisim.Script{Outcome: arisim.NoAnswer})
	stop := r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	leader := r.up(leaderMobile)
	r.wait("supporter dialled", func() bool { c, ok := r.channel(r.phone(0)); return ok && c.Dialled })

	stop()
	r.tel.Close()
	if err := r.sim.HangupFarEnd(leader.ID); err != nil {
		t.Fatal(err)
	}
	r.startEngine("a", r.connect())
	r.gone(r.phone(0))
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":answered", "supporter:"+r.phone(0)+":cut")
	var cause int
	var text string
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT coalesce(hangup_cause, 0), hangup_cause_text
		FROM call_records WHERE session_id = $1 AND leg = 'supporter'`, sess.ID).Scan(&cause, &text); err != nil {
		t.Fatal(err)
	}
	if cause != 16 || !strings.HasPrefix(text, "hung up by the server after a restart") {
		t.Errorf("supporter leg ended with cause %d %q; want 16, hung up by the server", cause, text)
	}
	// Reconciliation waited for the application to be registered: no
	// request of the restarted server was answered 404.
	for _, e := range r.sim.Transcript() {
		if e.Kind == "response" && e.Status == 404 && strings.HasPrefix(e.Path, "/applications") {
			t.Errorf("%s %s answered 404", e.Method, e.Path)
		}
	}
}

// played counts the playbacks of media that began.
func (r *rig) played(media string) int {
	n := 0
	for _, e := range r.sim.Transcript() {
		body := string(e.Body)
		if e.Kind == "event" && strings.Contains(body, `"type":"PlaybackStarted"`) && strings.Contains(body, `"media_uri":"`+media+`"`) {
			n++
		}
	}
	return n
}
