package ari

import (
	"strings"
	"time"

	ariv5 "github.com/CyCoreSystems/ari/v5"
)

// handledTypes are the ARI event types the adapter turns into Events. They
// are also the allow-list of the application's event filter, so Asterisk
// sends nothing else: no ChannelVarset storm (a dozen a call), and none of
// the types ari/v5 v5.3.1 cannot decode.
var handledTypes = []string{
	"StasisStart",
	"StasisEnd",
	"ChannelStateChange",
	"Dial",
	"ChannelHangupRequest",
	"ChannelDestroyed",
	"ChannelDtmfReceived",
	"PlaybackStarted",
	"PlaybackFinished",
	"ChannelEnteredBridge",
	"ChannelLeftBridge",
	"BridgeDestroyed",
}

var handled = func() map[string]bool {
	m := make(map[string]bool, len(handledTypes))
	for _, t := range handledTypes {
		m[t] = true
	}
	return m
}()

// translate maps one decoded ARI event to the Event the call flow sees and
// the id it is routed by: the channel for channel events (including
// entering and leaving a bridge), the peer for Dial, the target of a
// playback, the bridge for BridgeDestroyed. ok is false for an event that
// means nothing to the call flow (a Dial without status, a state change to
// Down, ...).
func translate(e ariv5.Event) (key string, ev Event, ok bool) {
	switch e := e.(type) {
	case *ariv5.StasisStart:
		return leg(LegStarted, e.Channel, e.Timestamp)
	case *ariv5.StasisEnd:
		return leg(LegLeftApplication, e.Channel, e.Timestamp)
	case *ariv5.ChannelStateChange:
		switch e.Channel.State {
		case "Ringing":
			return leg(LegRinging, e.Channel, e.Timestamp)
		case "Up":
			return leg(LegAnswered, e.Channel, e.Timestamp)
		}
	case *ariv5.Dial:
		// Dial events come with an empty status when the dial starts; only
		// a status says something. The order of Dial and ChannelStateChange
		// varies between runs of a real Asterisk: nothing here depends on it.
		if e.Dialstatus == "" {
			return "", Event{}, false
		}
		key, ev, ok = leg(DialStatus, e.Peer, e.Timestamp)
		ev.DialStatus = e.Dialstatus
		return key, ev, ok
	case *ariv5.ChannelHangupRequest:
		key, ev, ok = leg(HangupRequested, e.Channel, e.Timestamp)
		ev.Cause = e.Cause
		return key, ev, ok
	case *ariv5.ChannelDestroyed:
		key, ev, ok = leg(LegEnded, e.Channel, e.Timestamp)
		ev.Cause, ev.CauseText = e.Cause, e.CauseTxt
		return key, ev, ok
	case *ariv5.ChannelDtmfReceived:
		key, ev, ok = leg(Digit, e.Channel, e.Timestamp)
		ev.Digit, ev.DurationMS = e.Digit, e.DurationMs
		return key, ev, ok
	case *ariv5.PlaybackStarted:
		return playback(PlaybackStarted, e.Playback, e.Timestamp)
	case *ariv5.PlaybackFinished:
		// A playback Asterisk could not play (a tone with no tone zone, a
		// missing sound file) finishes at once in state "failed"
		// (recording ringback-without-indications): the leader heard
		// nothing, which the flow must know.
		if e.Playback.State == "failed" {
			return playback(PlaybackFailed, e.Playback, e.Timestamp)
		}
		return playback(PlaybackFinished, e.Playback, e.Timestamp)
	case *ariv5.ChannelEnteredBridge:
		key, ev, ok = leg(EnteredBridge, e.Channel, e.Timestamp)
		ev.Bridge = e.Bridge.ID
		return key, ev, ok
	case *ariv5.ChannelLeftBridge:
		key, ev, ok = leg(LeftBridge, e.Channel, e.Timestamp)
		ev.Bridge = e.Bridge.ID
		return key, ev, ok
	case *ariv5.BridgeDestroyed:
		if e.Bridge.ID == "" {
			return "", Event{}, false
		}
		return e.Bridge.ID, Event{Kind: BridgeDestroyed, Bridge: e.Bridge.ID, At: time.Time(e.Timestamp)}, true
	}
	return "", Event{}, false
}

func leg(kind EventKind, ch ariv5.ChannelData, at ariv5.DateTime) (string, Event, bool) {
	if ch.ID == "" {
		return "", Event{}, false
	}
	return ch.ID, Event{Kind: kind, Channel: ch.ID, State: ch.State, At: time.Time(at)}, true
}

// playback routes by the playback's target, "channel:ID" or "bridge:ID".
func playback(kind EventKind, p ariv5.PlaybackData, at ariv5.DateTime) (string, Event, bool) {
	target, id, _ := strings.Cut(p.TargetURI, ":")
	if p.ID == "" || id == "" {
		return "", Event{}, false
	}
	ev := Event{Kind: kind, Playback: p.ID, Media: p.MediaURI, State: p.State, At: time.Time(at)}
	switch target {
	case "channel":
		ev.Channel = id
	case "bridge":
		ev.Bridge = id
	default:
		return "", Event{}, false
	}
	return id, ev, true
}
