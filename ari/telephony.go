// Package ari is the Asterisk side of the product: Telephony, a small
// interface in the terms the call flow (ivr) needs, its implementation over
// Asterisk's REST Interface with github.com/CyCoreSystems/ari/v5, and (in
// ari/arisim) an ARI-speaking simulator that tests and `make run` use in
// place of Asterisk.
package ari

import (
	"context"
	"time"
)

// Telephony is what the call flow needs from Asterisk. Every method is safe
// for concurrent use. Channel, bridge and playback ids are chosen by the
// caller (ChannelID etc.), so a record can be written before Asterisk is
// asked, and no early event of a new leg is missed.
//
// Errors: ENOTFOUND-like failures (the channel or bridge is gone) satisfy
// errors.Is(err, ErrNotFound); everything else is wrapped with context.
type Telephony interface {
	// Dial creates a leg in our application and dials it (channels/create,
	// wait for its StasisStart, then channels/{id}/dial). It returns once the
	// dial is sent; the leg's fate arrives as events on its channel id.
	Dial(ctx context.Context, req DialRequest) error
	// Answer answers an inbound leg.
	Answer(ctx context.Context, channelID string) error
	// Hangup ends a leg with a cause ("normal", "busy", "congestion",
	// "no_answer", ...). A leg that is already gone is not an error.
	Hangup(ctx context.Context, channelID string, cause HangupCause) error
	// CreateBridge makes a mixing bridge with the given id.
	CreateBridge(ctx context.Context, bridgeID string) error
	// DestroyBridge destroys a bridge; one already gone is not an error.
	DestroyBridge(ctx context.Context, bridgeID string) error
	// AddToBridge and RemoveFromBridge move a channel in and out of a bridge.
	AddToBridge(ctx context.Context, bridgeID, channelID string) error
	RemoveFromBridge(ctx context.Context, bridgeID, channelID string) error
	// Play starts media on a channel: "sound:NAME" for a prompt, "tone:ring"
	// for ringback. Its end arrives as PlaybackFinished with playbackID.
	Play(ctx context.Context, channelID, playbackID, media string) error
	// StopPlayback stops a playback; one already finished is not an error.
	StopPlayback(ctx context.Context, playbackID string) error
	// Application lists the channels and bridges Asterisk holds for our
	// application, for reconciliation after a restart or reconnect.
	Application(ctx context.Context) (AppState, error)
	// ChannelState is a leg's state now ("Up", "Ringing", ...);
	// ErrNotFound once it is gone.
	ChannelState(ctx context.Context, channelID string) (string, error)
	// PlaybackPlaying reports whether a playback still plays.
	PlaybackPlaying(ctx context.Context, playbackID string) (bool, error)
}

// DialRequest is a new outbound leg.
type DialRequest struct {
	ChannelID  string        // chosen by the caller, unique
	Number     string        // E.164, put into the configured dial string
	CallerID   string        // the organisation's caller ID (E.164), shown to the far end
	CallerName string        // the organisation's caller name, shown where the network passes names; may be empty
	Timeout    time.Duration // ring timeout; 0 means Asterisk's default
	// Originator is the channel on whose behalf the leg is dialled (the
	// leader's), so Asterisk links them (caller id, codecs); may be empty.
	Originator string
}

// AppState is what Asterisk holds for the application.
type AppState struct {
	ChannelIDs []string
	BridgeIDs  []string
}

// HangupCause is the reason given to Asterisk when we end a leg
// (the `reason` parameter of DELETE /channels/{id}).
type HangupCause string

// Hangup causes the call flow uses.
const (
	CauseNormal     HangupCause = "normal"
	CauseBusy       HangupCause = "busy"
	CauseCongestion HangupCause = "congestion"
	CauseNoAnswer   HangupCause = "no_answer"
)
