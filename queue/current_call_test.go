package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

func mustCurrentCall(tb testing.TB, w *world, sessionID int64) queue.CurrentCall {
	tb.Helper()
	cc, err := w.s.CurrentCall(context.Background(), w.org.ID, sessionID)
	if err != nil {
		tb.Fatalf("current call: %v", err)
	}
	return cc
}

// TestCurrentCall walks one phone call through every stage of the current
// call card (R3.6), as the phone flow records it, and checks who the card
// is about at each step.
func TestCurrentCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	var leaderCall, first queue.Claim

	// An earlier contact with the first supporter, from another session,
	// shows as their notes.
	other := w.mustSession(t, w.mustLeader(t, "other"))
	earlier := mustAnswer(t, w, other.ID)
	mustLog(t, w, w.leader, other.ID, queue.ContactInput{CallID: earlier.Call.ID, SupporterID: earlier.Supporter.ID,
		Notes: "Call back after six", IdempotencyKey: "earlier"})
	w.clock.Advance(time.Hour) // past the cool-down

	steps := []struct {
		name  string
		do    func(t *testing.T)
		stage queue.CallStage
		check func(t *testing.T, cc queue.CurrentCall)
	}{
		{"NotStarted", func(*testing.T) {}, queue.StageIdle, func(t *testing.T, cc queue.CurrentCall) {
			if cc.Leader != nil || cc.Call != nil || cc.Supporter != nil || cc.PhoneWanted {
				t.Fatalf("card %+v", cc)
			}
		}},
		{"PhoneRequested", func(t *testing.T) {
			if _, err := w.s.RequestPhone(ctx, w.leader, sess.ID); err != nil {
				t.Fatal(err)
			}
		}, queue.StagePhoneRequested, func(t *testing.T, cc queue.CurrentCall) {
			if !cc.PhoneWanted || cc.Leader != nil {
				t.Fatalf("card %+v", cc)
			}
		}},
		{"RingingLeader", func(t *testing.T) {
			c, err := w.s.StartLeaderCall(ctx, w.org.ID, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			leaderCall.Call = c
		}, queue.StageRingingLeader, func(t *testing.T, cc queue.CurrentCall) {
			if cc.Leader == nil || cc.Leader.ID != leaderCall.Call.ID || cc.Call != nil {
				t.Fatalf("card %+v", cc)
			}
		}},
		{"LeaderOnLine", func(t *testing.T) {
			w.clock.Advance(5 * time.Second)
			if _, err := w.s.CallAnswered(ctx, w.org.ID, leaderCall.Call.ID); err != nil {
				t.Fatal(err)
			}
		}, queue.StageLeaderOnLine, func(t *testing.T, cc queue.CurrentCall) {
			// The earlier session's call to the same supporter is not this card's.
			if cc.Call != nil || cc.Supporter != nil {
				t.Fatalf("card %+v", cc)
			}
		}},
		{"RingingSupporter", func(t *testing.T) {
			w.clock.Advance(5 * time.Second)
			first = w.mustClaim(t, sess.ID)
		}, queue.StageRingingSupporter, func(t *testing.T, cc queue.CurrentCall) {
			if cc.Call == nil || cc.Call.ID != first.Call.ID || cc.Supporter == nil || cc.Supporter.ID != first.Supporter.ID {
				t.Fatalf("card %+v, want call %d", cc, first.Call.ID)
			}
			if len(cc.Earlier) != 1 || cc.Earlier[0].Notes != "Call back after six" || cc.Contact != nil {
				t.Fatalf("earlier %+v, contact %+v", cc.Earlier, cc.Contact)
			}
		}},
		{"Connected", func(t *testing.T) {
			if _, err := w.s.CallAnswered(ctx, w.org.ID, first.Call.ID); err != nil {
				t.Fatal(err)
			}
		}, queue.StageConnected, nil},
		{"WrapUp", func(t *testing.T) {
			w.clock.Advance(time.Minute)
			w.mustEnd(t, first.Call.ID, queue.OutcomeAnswered)
		}, queue.StageWrapUp, func(t *testing.T, cc queue.CurrentCall) {
			if cc.Call.Outcome != queue.OutcomeAnswered || cc.Contact != nil {
				t.Fatalf("card %+v", cc)
			}
		}},
		{"LoggedOnKeypad", func(t *testing.T) {
			mustLog(t, w, w.leader, sess.ID, queue.ContactInput{CallID: first.Call.ID, SupporterID: first.Supporter.ID,
				Contacted: true, IdempotencyKey: "keypad-1"})
		}, queue.StageWrapUp, func(t *testing.T, cc queue.CurrentCall) {
			if cc.Contact == nil || !cc.Contact.Contacted || cc.Contact.CallID != first.Call.ID || len(cc.Earlier) != 1 {
				t.Fatalf("contact %+v, earlier %+v", cc.Contact, cc.Earlier)
			}
		}},
		{"NextRinging", func(t *testing.T) {
			first = w.mustClaim(t, sess.ID)
		}, queue.StageRingingSupporter, func(t *testing.T, cc queue.CurrentCall) {
			if cc.Call.ID != first.Call.ID || cc.Contact != nil || len(cc.Earlier) != 0 {
				t.Fatalf("card %+v", cc)
			}
		}},
		{"PausedKeepsLastCall", func(t *testing.T) {
			if err := w.s.HangUpPhone(ctx, w.leader, sess.ID); err != nil {
				t.Fatal(err)
			}
			w.mustEnd(t, first.Call.ID, queue.OutcomeCut)
			w.mustEnd(t, leaderCall.Call.ID, queue.OutcomeAnswered)
		}, queue.StageIdle, func(t *testing.T, cc queue.CurrentCall) {
			if cc.PhoneWanted || cc.Leader.State != queue.CallEnded || cc.Call == nil || cc.Call.ID != first.Call.ID {
				t.Fatalf("card %+v", cc)
			}
		}},
		{"Resumed", func(t *testing.T) {
			if _, err := w.s.RequestPhone(ctx, w.leader, sess.ID); err != nil {
				t.Fatal(err)
			}
		}, queue.StagePhoneRequested, nil},
		{"NewLeaderCall", func(t *testing.T) {
			c, err := w.s.StartLeaderCall(ctx, w.org.ID, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.s.CallAnswered(ctx, w.org.ID, c.ID); err != nil {
				t.Fatal(err)
			}
		}, queue.StageLeaderOnLine, func(t *testing.T, cc queue.CurrentCall) {
			if cc.Call != nil {
				t.Fatalf("the last phone call's supporter is on the new call's card: %+v", cc.Call)
			}
		}},
	}
	for _, step := range steps {
		step.do(t)
		cc := mustCurrentCall(t, w, sess.ID)
		if cc.Stage != step.stage {
			t.Fatalf("%s: stage %s, want %s (%+v)", step.name, cc.Stage, step.stage, cc)
		}
		if step.check != nil {
			step.check(t, cc)
		}
	}

	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		_, err := w.s.CurrentCall(ctx, w.stranger(t).OrganisationID, sess.ID)
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("err %v, want not found", err)
		}
	})
}

func TestCallStageLabels(t *testing.T) {
	t.Parallel()
	for _, st := range []queue.CallStage{queue.StageIdle, queue.StagePhoneRequested, queue.StageRingingLeader,
		queue.StageLeaderOnLine, queue.StageRingingSupporter, queue.StageConnected, queue.StageWrapUp} {
		if st.Label() == string(st) {
			t.Errorf("stage %s has no label", st)
		}
	}
}
