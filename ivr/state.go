package ivr

import (
	"time"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/queue"
)

// state is where a session's phone call is.
type state int

const (
	// ringingLeader: the leader's mobile is being rung (R4.1).
	ringingLeader state = iota + 1
	// confirming: the leader answered and is asked for a key, which shows a
	// person is there and not their voicemail (R4.1); the prompt is said
	// twice, and no key within the organisation's time hangs up.
	confirming
	// greeting: the leader answered (confirmation off) and hears
	// "connecting you to your first supporter".
	greeting
	// claiming: the queue is asked for the next supporter.
	claiming
	// dialling: a supporter's phone rings; the leader hears ringback (R4.2).
	dialling
	// connected: leader and supporter talk in the bridge.
	connected
	// wrapUp: the supporter's leg is over; any key dials the next one, 1, 2
	// and 9 also log it (R4.3).
	wrapUp
	// closing: the leader hears a last prompt ("this cycle is complete"),
	// then the call ends (R4.5).
	closing
	// hangingUp: the leader's leg was asked to end; waiting for it to go.
	hangingUp
	// done: the leader's leg is gone; nothing more happens.
	done
)

var stateNames = map[state]string{
	ringingLeader: "ringing_leader", confirming: "confirming", greeting: "greeting", claiming: "claiming", dialling: "dialling",
	connected: "connected", wrapUp: "wrap_up", closing: "closing", hangingUp: "hanging_up", done: "done",
}

func (s state) String() string { return stateNames[s] }

// event is something the call reacts to: from Asterisk, from the queue (the
// result of a claim), from the panel, or from a timer.
type event struct {
	kind eventKind
	ari  ari.Event // for fromAsterisk
	// For claimed.
	claim   queue.Claim
	claimed bool  // a supporter was claimed; false when none is available
	err     error // the claim or a command failed
	// For refused: why the dial guard would not dial the claimed supporter.
	reason string
	// For Connected (reconciliation): the channels Asterisk still holds for
	// us, listed at wall time at.
	channels map[string]bool
	at       time.Time
	// For audit: the session's live records as the database has them.
	records []queue.CallRecord
}

type eventKind int

const (
	fromAsterisk   eventKind = iota + 1
	claimResult              // the answer to claimSupporter
	refused                  // the dial guard refused the claimed supporter
	dialFailed               // Asterisk would not create or dial a supporter's leg
	phoneUnwanted            // the panel was closed, or the driver stops driving
	maxDuration              // the supporter's call reached the maximum duration
	confirmTimeout           // the leader pressed no key in time after answering
	audit                    // check the session's live records with the call's legs
	retryWrites              // time to try again the writes that failed
	eventsLost               // Asterisk's events were dropped: ask Asterisk how the legs are
)

// command is something the call asks of Asterisk or the queue. Commands are
// data, so the state machine is tested as a table of (state, event) →
// (state, commands) without a phone network; the executor runs them.
type command struct {
	kind      commandKind
	channel   string
	media     string // for play: a prompt or ringback
	playback  string
	callID    int64
	supporter int64  // for logContact and removeWrongNumber
	number    string // for dialSupporter: the number the claim recorded
	outcome   queue.Outcome
	cause     int
	causeText string
	contacted bool // for logContact
	// For recordAnswered and recordEnded: when the answer or end was seen
	// (the clock's "now" as the command first ran), so a retried write
	// records the true time.
	at time.Time
	// For phoneDone: why the call ended without the leader hanging up,
	// kept on the session for the panel ("" when they hung up).
	pauseReason string
}

type commandKind int

const (
	play commandKind = iota + 1
	stopPlayback
	createBridge
	addToBridge
	destroyBridge
	claimSupporter // answers with a claimResult event
	dialSupporter  // the claimed supporter; may answer refused or dialFailed
	hangup
	recordAnswered
	recordEnded // outcome, cause; the store makes a cut call with a contact logged answered
	logContact  // keypad 1 or 2 for the last supporter, unless logged already
	removeWrongNumber
	phoneDone // the phone call is over: release the request, with pauseReason
	startTimer
	stopTimer
	startConfirmTimer // confirmTimeout after the organisation's confirmation time
	stopConfirmTimer
	reportPlaybackFailed // media the leader should have heard could not play
)
