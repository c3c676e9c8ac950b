package ari

import "time"

// EventKind is what happened, in the call flow's terms.
type EventKind int

// The events the call flow reacts to. Each maps from one or more ARI event
// types; the adapter's event filter lets exactly those through.
const (
	// LegStarted: the leg entered our application (StasisStart).
	LegStarted EventKind = iota + 1
	// LegRinging: the far end is ringing (ChannelStateChange to Ringing).
	LegRinging
	// LegAnswered: the far end answered (ChannelStateChange to Up).
	LegAnswered
	// DialStatus: Asterisk reported a dial result (Dial with a non-empty
	// dialstatus: RINGING, ANSWER, BUSY, NOANSWER, CONGESTION, ...).
	DialStatus
	// HangupRequested: someone asked to end the leg (ChannelHangupRequest);
	// Cause is 0 when the far end sent BYE.
	HangupRequested
	// LegLeftApplication: the leg left our application (StasisEnd).
	LegLeftApplication
	// LegEnded: the leg is gone (ChannelDestroyed), with Cause and CauseText.
	LegEnded
	// Digit: the far end pressed a key (ChannelDtmfReceived).
	Digit
	// PlaybackStarted and PlaybackFinished: media on a leg began or ended.
	PlaybackStarted
	PlaybackFinished
	// PlaybackFailed: media could not be played and ended at once
	// (PlaybackFinished in state "failed": a tone without a tone zone, a
	// sound file missing); the leg heard nothing.
	PlaybackFailed
	// EnteredBridge and LeftBridge: a leg joined or left a bridge.
	EnteredBridge
	LeftBridge
	// BridgeDestroyed: a bridge is gone.
	BridgeDestroyed
	// Connected: the events websocket is (re)connected and the event filter
	// set. The call flow reconciles its calls with Application() after it.
	Connected
	// Disconnected: the events websocket was lost; events may be missing
	// until the next Connected.
	Disconnected
)

// Event is one thing that happened to a leg, a bridge or the connection.
type Event struct {
	Kind       EventKind
	Channel    string    // the leg's channel id, when about a leg
	Bridge     string    // the bridge id, for bridge events
	Playback   string    // the playback id, for playback events
	Media      string    // the playback's media, for playback events
	State      string    // the channel's state (Down, Ringing, Up, ...), or the playback's (playing, done, failed)
	DialStatus string    // for DialStatus
	Digit      string    // for Digit: 0-9, *, #, A-D
	DurationMS int       // for Digit: how long the key was held
	Cause      int       // Q.850 cause, for HangupRequested and LegEnded
	CauseText  string    // Asterisk's text for Cause, for LegEnded
	At         time.Time // Asterisk's timestamp of the event
}
