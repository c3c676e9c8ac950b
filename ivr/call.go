package ivr

import (
	"errors"
	"fmt"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/queue"
)

// Call is one session's phone call: the leader's leg and, one at a time, the
// supporters bridged to it (R4). Its methods are the state machine: each
// takes an event, moves the state and returns the commands to run, and
// never blocks or does I/O itself. One goroutine (see driver) owns a Call.
type Call struct {
	SessionID int64
	state     state

	leader   leg
	bridge   string
	playback string // the playback running on the leader's leg, if any
	playSeq  int
	// playPrefix starts the ids of the call's prompts: the leader's channel
	// and the driver's run, so a call adopted after a restart never reuses
	// the id of a playback its predecessor left (Asterisk answers 409, and
	// queues the new prompt behind the old one).
	playPrefix string

	// confirm: the leader presses a key before the first dial (R4.1);
	// asked counts the prompts said so far.
	confirm bool
	asked   int
	// ringback is the media the leader hears while a supporter rings.
	ringback string
	// endReason says why we hung up the leader (no key pressed); it goes
	// on the leader's record and, as the pause reason, on the session.
	endReason string

	// supporter is the supporter leg being dialled or talked to; last is
	// the one wrap-up keys apply to (R4.3).
	supporter *leg
	last      *leg
	logged    bool // a key already logged last
	// afterDial is the keypad's log of last, run once the next supporter
	// is dialled (or nobody is left), so the leader's key reaches the next
	// dial without waiting for the log's transaction.
	afterDial []command
}

// leg is a call leg: its call record, channel and, for a supporter, who.
type leg struct {
	callID      int64
	channel     string
	supporterID int64
	answered    bool
	cut         bool // ended cut: first in the queue again unless logged
}

// causeUnconfirmed is why a leader's call ended when no key came after the
// greeting; the panel shows it as the session's pause reason.
const causeUnconfirmed = "No key was pressed after the greeting, so the call was ended before any supporter was dialled: your voicemail may have answered. Press Resume and answer with any key."

// channelFor names the Asterisk channel of a call record: derived from the
// record, so a restarted server can match channels to records (R10.5).
func channelFor(callID int64) string { return fmt.Sprintf("callingd-%d", callID) }

// bridgeFor names the bridge of a session's phone call, after its leader
// leg's record, so reconciliation can tell whose it is.
func bridgeFor(sessionID, leaderCallID int64) string {
	return fmt.Sprintf("callingd-session-%d-%d", sessionID, leaderCallID)
}

// bridgeLeader is the leader channel a bridge named by bridgeFor belongs
// to, or "" for a bridge we did not name.
func bridgeLeader(bridgeID string) string {
	var sessionID, leaderCallID int64
	if _, err := fmt.Sscanf(bridgeID, "callingd-session-%d-%d", &sessionID, &leaderCallID); err != nil ||
		bridgeFor(sessionID, leaderCallID) != bridgeID {
		return ""
	}
	return channelFor(leaderCallID)
}

// newCall is a session's call whose leader leg (a call record) is being
// dialled.
func newCall(sessionID, leaderCallID int64) *Call {
	return &Call{SessionID: sessionID, state: ringingLeader,
		leader:   leg{callID: leaderCallID, channel: channelFor(leaderCallID)},
		bridge:   bridgeFor(sessionID, leaderCallID),
		ringback: mediaRingback, playPrefix: channelFor(leaderCallID) + "-p"}
}

// State names where the call is, for logs and metrics.
func (c *Call) State() string { return c.state.String() }

// Done reports whether the call is over.
func (c *Call) Done() bool { return c.state == done }

// handle is the state machine's single entry point.
func (c *Call) handle(ev event) []command {
	switch ev.kind {
	case fromAsterisk:
		return c.onAsterisk(ev.ari)
	case claimResult:
		return c.onClaimed(ev)
	case refused:
		return c.onRefused(ev)
	case dialFailed:
		return c.onSupporterGone(queue.OutcomeFailed, 0, ev.reason)
	case phoneUnwanted:
		return c.hangUpAll()
	case maxDuration:
		if c.state == connected && c.supporter != nil {
			return []command{{kind: hangup, channel: c.supporter.channel}}
		}
	case confirmTimeout:
		return c.onConfirmTimeout()
	case audit:
		return c.onAudit(ev.records)
	}
	return nil
}

func (c *Call) onAsterisk(e ari.Event) []command {
	switch e.Channel {
	case c.leader.channel:
		return c.onLeaderEvent(e)
	case "":
		return nil
	}
	if c.supporter != nil && e.Channel == c.supporter.channel {
		return c.onSupporterEvent(e)
	}
	return nil // a leg this call has finished with
}

func (c *Call) onLeaderEvent(e ari.Event) []command {
	switch e.Kind {
	case ari.LegAnswered:
		if c.state != ringingLeader {
			return nil
		}
		c.leader.answered = true
		cmds := []command{
			{kind: recordAnswered, callID: c.leader.callID},
			{kind: createBridge},
			{kind: addToBridge, channel: c.leader.channel},
		}
		if c.confirm {
			c.state = confirming
			c.asked = 1
			return append(append(cmds, command{kind: startConfirmTimer}), c.play(PromptPressToStart)...)
		}
		c.state = greeting
		return append(cmds, c.play(PromptConnecting)...)
	case ari.LegEnded:
		return c.onLeaderGone(e)
	case ari.PlaybackFinished:
		return c.onPlaybackFinished(e.Playback)
	case ari.PlaybackFailed:
		// The leader heard nothing (a ringback tone without a tone zone, a
		// prompt file missing): say so in the log, and carry on as if it had
		// played, so the call never waits for media that will not come.
		if e.Playback == "" || e.Playback != c.playback {
			return nil
		}
		return append([]command{{kind: reportPlaybackFailed, media: e.Media, playback: e.Playback}},
			c.onPlaybackFinished(e.Playback)...)
	case ari.Digit:
		return c.onKey(e.Digit)
	}
	return nil
}

func (c *Call) onSupporterEvent(e ari.Event) []command {
	switch e.Kind {
	case ari.LegAnswered:
		if c.state != dialling {
			return nil
		}
		c.supporter.answered = true
		c.state = connected
		return append(c.stopPlaying(),
			command{kind: recordAnswered, callID: c.supporter.callID},
			command{kind: addToBridge, channel: c.supporter.channel},
			command{kind: startTimer})
	case ari.LegEnded:
		switch {
		case e.CauseText == causeLost:
			// Lost while we could not see: called again first unless logged.
			return c.onSupporterGone(queue.OutcomeCut, e.Cause, e.CauseText)
		case c.supporter.answered:
			return c.onSupporterGone(queue.OutcomeAnswered, e.Cause, e.CauseText)
		}
		return c.onSupporterGone(outcomeOf(e.Cause), e.Cause, e.CauseText)
	}
	return nil
}

// onSupporterGone: the supporter's leg ended (or never started); the leader
// is told how it went when it did not connect, and waits in wrap-up.
func (c *Call) onSupporterGone(outcome queue.Outcome, cause int, causeText string) []command {
	if c.supporter == nil {
		return nil
	}
	s := c.supporter
	s.cut = outcome == queue.OutcomeCut
	c.supporter, c.last, c.logged = nil, s, false
	cmds := append(c.stopPlaying(),
		command{kind: stopTimer},
		command{kind: recordEnded, callID: s.callID, outcome: outcome, cause: cause, causeText: causeText})
	if c.state != dialling && c.state != connected {
		return cmds // the leader is leaving; they hear nothing more
	}
	c.state = wrapUp
	if p, ok := outcomePrompt[outcome]; ok {
		cmds = append(cmds, c.play(p)...)
	}
	return cmds
}

func (c *Call) onLeaderGone(e ari.Event) []command {
	cmds := []command{}
	if c.supporter != nil {
		// The leader hung up mid-call (pause, R4.4): the supporter is cut,
		// and called first on resume unless an outcome was logged.
		cmds = append(cmds, command{kind: hangup, channel: c.supporter.channel},
			command{kind: recordEnded, callID: c.supporter.callID, outcome: queue.OutcomeCut, cause: e.Cause, causeText: "leader hung up"})
		c.supporter = nil
	}
	outcome := queue.OutcomeAnswered
	if !c.leader.answered {
		outcome = outcomeOf(e.Cause)
	}
	c.state = done
	c.playback = ""
	causeText := e.CauseText
	if c.endReason != "" {
		causeText = c.endReason
	}
	return append(cmds,
		command{kind: stopTimer},
		command{kind: stopConfirmTimer},
		command{kind: recordEnded, callID: c.leader.callID, outcome: outcome, cause: e.Cause, causeText: causeText},
		command{kind: destroyBridge},
		command{kind: phoneDone, pauseReason: c.endReason})
}

// onConfirmTimeout: no key came after the greeting, said twice (R4.1). A
// voicemail box or a phone in a pocket answered: hang up before any
// supporter is dialled, and leave the session paused with the reason.
func (c *Call) onConfirmTimeout() []command {
	if c.state != confirming {
		return nil
	}
	c.endReason = causeUnconfirmed
	c.state = hangingUp
	return append(c.stopPlaying(), command{kind: hangup, channel: c.leader.channel})
}

func (c *Call) onPlaybackFinished(id string) []command {
	if id == "" || id != c.playback {
		return nil // a playback we stopped, or an old one
	}
	c.playback = ""
	switch c.state {
	case confirming:
		if c.asked < confirmPrompts {
			c.asked++
			return c.play(PromptPressToStart)
		}
		return nil // silence until a key or the confirmation time is up
	case greeting:
		c.state = claiming
		return []command{{kind: claimSupporter}}
	case closing:
		c.state = hangingUp
		return []command{{kind: hangup, channel: c.leader.channel}}
	}
	return nil
}

func (c *Call) onClaimed(ev event) []command {
	// The claim always answers the key that asked for it, in the same step:
	// the keypad's log goes out with whatever follows.
	logs := c.afterDial
	c.afterDial = nil
	if c.state != claiming {
		if ev.claimed {
			// The leader left while the queue answered: give the supporter back.
			return append([]command{{kind: recordEnded, callID: ev.claim.Call.ID, outcome: queue.OutcomeCut, causeText: "leader hung up"}}, logs...)
		}
		return logs
	}
	switch {
	case errors.Is(ev.err, queue.ErrCallCap):
		c.state = wrapUp
		return append(c.play(PromptLinesBusy), logs...)
	case ev.err != nil:
		c.state = wrapUp
		return append(c.play(PromptTechnicalProblem), logs...)
	case !ev.claimed:
		c.state = closing
		return append(c.play(PromptCycleComplete), logs...)
	}
	c.supporter = &leg{callID: ev.claim.Call.ID, channel: channelFor(ev.claim.Call.ID), supporterID: ev.claim.Supporter.ID}
	c.state = dialling
	// The dial first: the leader's key should ring the next supporter as
	// soon as it can; the prompt gives way to ringback just after.
	cmds := []command{{kind: dialSupporter, callID: ev.claim.Call.ID, channel: c.supporter.channel,
		number: ev.claim.Call.DialledNumber}}
	cmds = append(cmds, c.playAs(c.ringback, ringbackFor(c.leader.channel, ev.claim.Call.ID))...)
	return append(cmds, logs...)
}

// onRefused: the dial guard refused the number (R10.4); the leader never
// heard it ring, so the next supporter is claimed at once.
func (c *Call) onRefused(ev event) []command {
	if c.supporter == nil || c.state != dialling {
		return nil
	}
	s := c.supporter
	c.supporter = nil
	c.state = claiming
	return append(c.stopPlaying(),
		command{kind: recordEnded, callID: s.callID, outcome: queue.OutcomeRefused, causeText: ev.reason},
		command{kind: claimSupporter})
}

// hangUpAll ends the call from our side: the panel was closed or the
// driver stops. The leader's LegEnded finishes it.
func (c *Call) hangUpAll() []command {
	if c.state == done || c.state == hangingUp {
		return nil
	}
	cmds := c.stopPlaying()
	if c.supporter != nil {
		cmds = append(cmds, command{kind: hangup, channel: c.supporter.channel},
			command{kind: recordEnded, callID: c.supporter.callID, outcome: queue.OutcomeCut, causeText: "leader hung up"})
		c.supporter = nil
	}
	c.state = hangingUp
	return append(cmds, command{kind: hangup, channel: c.leader.channel})
}

// play starts a prompt (or ringback) on the leader's leg, stopping the one
// playing.
func (c *Call) play(media string) []command {
	c.playSeq++
	return c.playAs(media, fmt.Sprintf("%s%d", c.playPrefix, c.playSeq))
}

// playAs starts media on the leader's leg under the playback id given.
func (c *Call) playAs(media, id string) []command {
	cmds := c.stopPlaying()
	c.playback = id
	return append(cmds, command{kind: play, channel: c.leader.channel, media: media, playback: id})
}

// ringbackFor names the ringback the leader hears while a supporter's leg
// rings: after its leg, so whoever adopts the call after a restart can stop
// a ringback the dead instance left playing (a tone plays until stopped).
func ringbackFor(leaderChannel string, supporterCallID int64) string {
	return fmt.Sprintf("%s-ringback-%d", leaderChannel, supporterCallID)
}

func (c *Call) stopPlaying() []command {
	if c.playback == "" {
		return nil
	}
	id := c.playback
	c.playback = ""
	return []command{{kind: stopPlayback, playback: id}}
}
