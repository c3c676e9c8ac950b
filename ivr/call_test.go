package ivr

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/queue"
)

// The state machine as a table (STYLE.md): from a state, an event gives a
// new state and commands. Channels: the leader's is callingd-1, the
// supporter's callingd-2.
const (
	leaderCh    = "callingd-1"
	supporterCh = "callingd-2"
)

// callIn builds a call in a state, with a supporter leg where the state has one.
func callIn(st state) *Call {
	c := newCall(7, 1)
	c.state = st
	c.leader.answered = st != ringingLeader
	switch st {
	case dialling:
		c.supporter = &leg{callID: 2, channel: supporterCh, supporterID: 42}
		c.playback = leaderCh + "-p9"
	case connected:
		c.supporter = &leg{callID: 2, channel: supporterCh, supporterID: 42, answered: true}
	case wrapUp:
		c.last = &leg{callID: 2, channel: supporterCh, supporterID: 42, answered: true}
		c.playback = leaderCh + "-p9"
	case greeting, closing:
		c.playback = leaderCh + "-p9"
	case confirming:
		c.confirm, c.asked, c.playback = true, 1, leaderCh+"-p9"
	}
	return c
}

func asterisk(kind ari.EventKind, channel string, f ...func(*ari.Event)) event {
	e := ari.Event{Kind: kind, Channel: channel}
	for _, fn := range f {
		fn(&e)
	}
	return event{kind: fromAsterisk, ari: e}
}

func cause(n int) func(*ari.Event)        { return func(e *ari.Event) { e.Cause = n } }
func digit(d string) func(*ari.Event)     { return func(e *ari.Event) { e.Digit = d } }
func playback(id string) func(*ari.Event) { return func(e *ari.Event) { e.Playback = id } }

var claimed = event{kind: claimResult, claimed: true,
	claim: queue.Claim{Call: queue.CallRecord{ID: 2, DialledNumber: "+447911123456"}, Supporter: queue.Supporter{ID: 42}}}

// describe renders commands compactly: "play(sound:callingd/connecting)".
func describe(cmds []command) string {
	names := map[commandKind]string{play: "play", stopPlayback: "stop", createBridge: "bridge", addToBridge: "join",
		destroyBridge: "unbridge", claimSupporter: "claim", dialSupporter: "dial", hangup: "hangup",
		recordAnswered: "answered", recordEnded: "ended", logContact: "log", removeWrongNumber: "wrong",
		phoneDone: "done", startTimer: "timer", stopTimer: "untimer", startConfirmTimer: "confirmtimer",
		stopConfirmTimer: "unconfirmtimer", reportPlaybackFailed: "playfailed"}
	var out []string
	for _, c := range cmds {
		s := names[c.kind]
		switch c.kind {
		case play:
			s += "(" + strings.TrimPrefix(c.media, "sound:callingd/") + ")"
		case addToBridge, hangup, dialSupporter:
			s += "(" + c.channel + ")"
		case recordAnswered:
			s += fmt.Sprintf("(%d)", c.callID)
		case recordEnded:
			s += fmt.Sprintf("(%d,%s)", c.callID, c.outcome)
		case logContact:
			s += fmt.Sprintf("(%d,%v)", c.callID, c.contacted)
		case removeWrongNumber:
			s += fmt.Sprintf("(%d)", c.callID)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestCallTransitions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		from  state
		event event
		to    state
		cmds  string
	}{
		// R4.1: the leader answers, hears a prompt, then the first supporter is claimed.
		{"LeaderAnswers", ringingLeader, asterisk(ari.LegAnswered, leaderCh), greeting,
			"answered(1) bridge join(callingd-1) play(connecting)"},
		{"LeaderBusy", ringingLeader, asterisk(ari.LegEnded, leaderCh, cause(17)), done,
			"untimer unconfirmtimer ended(1,busy) unbridge done"},
		{"LeaderNoAnswer", ringingLeader, asterisk(ari.LegEnded, leaderCh, cause(19)), done,
			"untimer unconfirmtimer ended(1,no_answer) unbridge done"},
		// R4.1: with confirmation, a key shows a person answered; the prompt
		// is said twice; no key in time hangs up before any dial.
		{"AnyKeyConfirms", confirming, asterisk(ari.Digit, leaderCh, digit("5")), claiming, "unconfirmtimer claim"},
		{"StarConfirms", confirming, asterisk(ari.Digit, leaderCh, digit("*")), claiming, "unconfirmtimer claim"},
		{"UnknownDigitDoesNotConfirm", confirming, asterisk(ari.Digit, leaderCh, digit("A")), confirming, ""},
		{"AskedAgain", confirming, asterisk(ari.PlaybackFinished, leaderCh, playback(leaderCh+"-p9")), confirming, "play(press-to-start)"},
		{"ConfirmTimeout", confirming, event{kind: confirmTimeout}, hangingUp, "stop hangup(callingd-1)"},
		{"ConfirmTimeoutTooLate", dialling, event{kind: confirmTimeout}, dialling, ""},
		{"LeaderHangsUpUnconfirmed", confirming, asterisk(ari.LegEnded, leaderCh, cause(16)), done,
			"untimer unconfirmtimer ended(1,answered) unbridge done"},
		// A playback that failed is reported, and the call goes on as if it
		// had played.
		{"GreetingFailed", greeting, asterisk(ari.PlaybackFailed, leaderCh, playback(leaderCh+"-p9")), claiming, "playfailed claim"},
		{"RingbackFailed", dialling, asterisk(ari.PlaybackFailed, leaderCh, playback(leaderCh+"-p9")), dialling, "playfailed"},
		{"OldPlaybackFailedIgnored", dialling, asterisk(ari.PlaybackFailed, leaderCh, playback("other")), dialling, ""},
		{"GreetingOver", greeting, asterisk(ari.PlaybackFinished, leaderCh, playback(leaderCh+"-p9")), claiming, "claim"},
		{"OldPlaybackIgnored", greeting, asterisk(ari.PlaybackFinished, leaderCh, playback("other")), greeting, ""},
		{"KeyDuringGreetingIgnored", greeting, asterisk(ari.Digit, leaderCh, digit("5")), greeting, ""},
		// R4.2: ringback while the supporter rings.
		{"Claimed", claiming, claimed, dialling, "dial(callingd-2) play(tone:ring)"},
		// R4.5: nobody left.
		{"CycleComplete", claiming, event{kind: claimResult}, closing, "play(cycle-complete)"},
		{"CallCap", claiming, event{kind: claimResult, err: queue.ErrCallCap}, wrapUp, "play(lines-busy)"},
		{"ClaimFailed", claiming, event{kind: claimResult, err: errors.New("db down")}, wrapUp, "play(technical-problem)"},
		{"ClosingPromptOver", closing, asterisk(ari.PlaybackFinished, leaderCh, playback(leaderCh+"-p9")), hangingUp, "hangup(callingd-1)"},
		// R4.2: outcomes.
		{"SupporterAnswers", dialling, asterisk(ari.LegAnswered, supporterCh), connected,
			"stop answered(2) join(callingd-2) timer"},
		{"SupporterBusy", dialling, asterisk(ari.LegEnded, supporterCh, cause(17)), wrapUp,
			"stop untimer ended(2,busy) play(busy)"},
		{"SupporterNoAnswer", dialling, asterisk(ari.LegEnded, supporterCh, cause(19)), wrapUp,
			"stop untimer ended(2,no_answer) play(no-answer)"},
		{"SupporterRejected", dialling, asterisk(ari.LegEnded, supporterCh, cause(21)), wrapUp,
			"stop untimer ended(2,rejected) play(call-failed)"},
		{"SupporterUnallocated", dialling, asterisk(ari.LegEnded, supporterCh, cause(1)), wrapUp,
			"stop untimer ended(2,failed) play(call-failed)"},
		{"SupporterCongestion", dialling, asterisk(ari.LegEnded, supporterCh, cause(34)), wrapUp,
			"stop untimer ended(2,failed) play(call-failed)"},
		{"DialFailed", dialling, event{kind: dialFailed, reason: "500"}, wrapUp,
			"stop untimer ended(2,failed) play(call-failed)"},
		// R10.4: refused numbers are never dialled; the next one is claimed.
		{"Refused", dialling, event{kind: refused, reason: "premium rate"}, claiming, "stop ended(2,refused) claim"},
		// R4.3: the keypad.
		{"StarEndsCall", connected, asterisk(ari.Digit, leaderCh, digit("*")), connected, "hangup(callingd-2)"},
		{"StarStopsRinging", dialling, asterisk(ari.Digit, leaderCh, digit("*")), dialling, "hangup(callingd-2)"},
		{"OtherKeyDuringCall", connected, asterisk(ari.Digit, leaderCh, digit("5")), connected, ""},
		{"SupporterHangsUp", connected, asterisk(ari.LegEnded, supporterCh, cause(16)), wrapUp,
			"untimer ended(2,answered) play(wrap-up)"},
		{"MaxDuration", connected, event{kind: maxDuration}, connected, "hangup(callingd-2)"},
		// R4.3, item 4 of issue 18: 1 and 2 after a leg that never
		// connected log nothing (TestKeypadLogsAfterTheDial); the key moves on.
		{"AnyKeyNext", wrapUp, asterisk(ari.Digit, leaderCh, digit("5")), claiming, "claim"},
		{"HashNext", wrapUp, asterisk(ari.Digit, leaderCh, digit("#")), claiming, "claim"},
		{"OneLogsContacted", wrapUp, asterisk(ari.Digit, leaderCh, digit("1")), claiming, "claim"}, // logged after the dial: TestKeypadLogsAfterTheDial
		{"TwoLogsNotContacted", wrapUp, asterisk(ari.Digit, leaderCh, digit("2")), claiming, "claim"},
		{"NineRemovesWrongNumber", wrapUp, asterisk(ari.Digit, leaderCh, digit("9")), claiming, "claim"},
		// R12: unknown DTMF changes nothing.
		{"UnknownDigit", wrapUp, asterisk(ari.Digit, leaderCh, digit("A")), wrapUp, ""},
		{"EmptyDigit", wrapUp, asterisk(ari.Digit, leaderCh, digit("")), wrapUp, ""},
		// R4.4: pause.
		{"LeaderHangsUpMidCall", connected, asterisk(ari.LegEnded, leaderCh, cause(16)), done,
			"hangup(callingd-2) ended(2,cut) untimer unconfirmtimer ended(1,answered) unbridge done"},
		{"LeaderHangsUpWhileRinging", dialling, asterisk(ari.LegEnded, leaderCh, cause(16)), done,
			"hangup(callingd-2) ended(2,cut) untimer unconfirmtimer ended(1,answered) unbridge done"},
		{"LeaderHangsUpInWrapUp", wrapUp, asterisk(ari.LegEnded, leaderCh, cause(16)), done,
			"untimer unconfirmtimer ended(1,answered) unbridge done"},
		{"PageClosedMidCall", connected, event{kind: phoneUnwanted}, hangingUp,
			"hangup(callingd-2) ended(2,cut) hangup(callingd-1)"},
		{"PageClosedTwice", hangingUp, event{kind: phoneUnwanted}, hangingUp, ""},
		{"LeaderGoneAfterHangup", hangingUp, asterisk(ari.LegEnded, leaderCh, cause(16)), done,
			"untimer unconfirmtimer ended(1,answered) unbridge done"},
		{"ClaimAfterLeaderLeft", done, claimed, done, "ended(2,cut)"},
		// R10.5: a leg lost while the websocket was down.
		{"SupporterLost", connected, asterisk(ari.LegEnded, supporterCh, func(e *ari.Event) { e.CauseText = causeLost }), wrapUp,
			"untimer ended(2,cut) play(wrap-up)"},
		{"StrangerIgnored", connected, asterisk(ari.LegEnded, "callingd-99"), connected, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := callIn(tc.from)
			got := describe(c.handle(tc.event))
			if c.state != tc.to || got != tc.cmds {
				t.Fatalf("%s + event → %s [%s]; want %s [%s]", tc.from, c.state, got, tc.to, tc.cmds)
			}
		})
	}
}

// TestKeypadLogsAfterTheDial: 1, 2 and 9 log the last supporter (R4.3)
// once the next is dialled, or once the queue has answered otherwise, so
// the key rings the next supporter without waiting for the log.
func TestKeypadLogsAfterTheDial(t *testing.T) {
	t.Parallel()
	cases := []struct {
		key    string
		answer event
		want   string
		// unanswered: the supporter's leg never connected.
		unanswered bool
	}{
		{"1", claimed, "dial(callingd-2) stop play(tone:ring) log(2,true)", false},
		{"2", claimed, "dial(callingd-2) stop play(tone:ring) log(2,false)", false},
		{"9", claimed, "dial(callingd-2) stop play(tone:ring) wrong(2)", false},
		{"9", event{kind: claimResult}, "stop play(cycle-complete) wrong(2)", false},
		{"1", event{kind: claimResult, err: queue.ErrCallCap}, "stop play(lines-busy) log(2,true)", false},
		{"5", claimed, "dial(callingd-2) stop play(tone:ring)", false},
		// A supporter who never answered was not reached: 1 and 2 only
		// move on; 9 still removes a wrong number.
		{"1", claimed, "dial(callingd-2) stop play(tone:ring)", true},
		{"2", claimed, "dial(callingd-2) stop play(tone:ring)", true},
		{"9", claimed, "dial(callingd-2) stop play(tone:ring) wrong(2)", true},
	}
	for _, tc := range cases {
		c := callIn(wrapUp)
		c.last.callID = 2
		c.last.answered = !tc.unanswered
		c.handle(asterisk(ari.Digit, leaderCh, digit(tc.key)))
		claim := tc.answer
		if claim.claimed {
			claim.claim.Call.ID = 3 // the next supporter's call
		}
		got := strings.ReplaceAll(describe(c.handle(claim)), "callingd-3", "callingd-2")
		if got != tc.want {
			t.Errorf("key %s then %+v: %s; want %s", tc.key, tc.answer.err, got, tc.want)
		}
	}
}

// TestWrapUpLogsOnce: a second wrap-up key for the same call logs nothing
// more (R4.3); the call moves on regardless.
func TestWrapUpLogsOnce(t *testing.T) {
	t.Parallel()
	c := callIn(wrapUp)
	c.handle(asterisk(ari.Digit, leaderCh, digit("1")))
	c.state = wrapUp // the claim found the cap reached, say
	if got := describe(c.handle(asterisk(ari.Digit, leaderCh, digit("2")))); got != "claim" {
		t.Fatalf("second key: %s", got)
	}
}

func TestBridgeLeader(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		bridgeFor(7, 12):              "callingd-12",
		"callingd-session-7-12-extra": "",
		"someone-else":                "",
		"callingd-session-x-1":        "",
	} {
		if got := bridgeLeader(id); got != want {
			t.Errorf("bridgeLeader(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestCutSupporterLoggedBeforeTheClaim: after a cut leg (lost while the
// server could not see it) its supporter is first in the queue again until
// an outcome is logged (R4.4), so the keypad's log goes before the claim,
// not after the dial, or the claim would ring them again.
func TestCutSupporterLoggedBeforeTheClaim(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"1": "log(2,true) claim",
		"2": "log(2,false) claim",
		"9": "wrong(2) claim",
		"5": "claim",
	} {
		c := callIn(wrapUp)
		c.last.cut = true
		if got := describe(c.handle(asterisk(ari.Digit, leaderCh, digit(key)))); got != want {
			t.Errorf("key %s after a cut leg: %s; want %s", key, got, want)
		}
	}
}
