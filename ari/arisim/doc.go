// Package arisim is an in-process Asterisk for tests and `make run`: an HTTP
// + WebSocket server speaking the subset of the Asterisk REST Interface
// (ARI) that package ari uses, with simulated phones behind it.
//
// Its truth is a real Asterisk 22: the events, their order and their JSON
// fields follow the recordings in ../shared/asterisk-ari/transcripts, and a
// test replays every recorded flow against the simulator and compares. Where
// no recording covers a behaviour, the simulator follows the ARI
// documentation (../shared/asterisk-ari/api-docs) and the comment at that
// spot says so.
//
// # ARI (basic auth, or ?api_key=user:pass)
//
//	GET    /ari/asterisk/info
//	GET    /ari/applications, /ari/applications/{app}
//	PUT    /ari/applications/{app}/eventFilter
//	GET    /ari/channels, /ari/channels/{id}
//	POST   /ari/channels (originate), /ari/channels/{id}, /ari/channels/create
//	DELETE /ari/channels/{id}?reason=
//	POST   /ari/channels/{id}/dial, /answer, /ring, /play, /play/{playbackId}, /variable
//	DELETE /ari/channels/{id}/ring
//	GET    /ari/channels/{id}/variable
//	GET    /ari/bridges, /ari/bridges/{id}
//	POST   /ari/bridges, /ari/bridges/{id}, /ari/bridges/{id}/addChannel, /removeChannel
//	DELETE /ari/bridges/{id}
//	GET    /ari/playbacks/{id}
//	DELETE /ari/playbacks/{id}
//	GET    /ari/events?app=NAME (websocket)
//
// Parameters are read from the query string or from a JSON body, as
// Asterisk does.
//
// # Control API (JSON, no auth)
//
//	PUT    /sim/phones/{number}        a Script: {"outcome":"answer|busy|congestion|notfound|noanswer|unreachable",
//	                                    "ring_for_ms":0,"hangup_after_ms":0,"keys":[{"after_ms":1000,"digit":"1","duration_ms":100}]}
//	POST   /sim/phones/{number}/keys   {"digits":"1#"}: the newest answered call to number presses keys
//	POST   /sim/channels/{id}/keys     {"digits":"1#"}: the far end of a channel presses keys
//	POST   /sim/channels/{id}/hangup   the phone hangs up (BYE; a 603 while ringing)
//	POST   /sim/calls                  {"app":"calling","from":"+44...","to":"+44..."}: an inbound call; answers {"id":"..."}
//	POST   /sim/websockets/drop        close every events websocket (applications and calls stay)
//	POST   /sim/restart                "Asterisk restarts": websockets, applications, calls and bridges gone
//	GET    /sim/channels               live channels (ChannelInfo)
//	GET    /sim/transcript             what happened, in the recordings' format
//	DELETE /sim/transcript             start a new transcript
//
// The same operations are Go methods (SetScript, PressNumber, Press,
// HangupFarEnd, IncomingCall, DropWebsockets, Restart, Channels,
// Transcript, ResetTranscript), plus Inject
// (send a raw websocket message) and FailNext (make the next matching REST
// call fail).
//
// # Phones
//
// The number of a dial endpoint is what lies between the first "/" and the
// "@" ("PJSIP/+447911123456@trunk" → "+447911123456"). Its Script decides
// the call; without one, the endpoint names of the recordings (answer, busy,
// congestion, notfound, noanswer, hangup, dtmf) act as the recorder's SIPp
// did, and any other number follows Config.DefaultScript (answer at once).
// Every delay runs on Config.Clock, so tests use a FakeClock and Advance
// instead of sleeping.
package arisim
