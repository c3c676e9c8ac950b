package arisim

import (
	"strings"
	"time"
)

// The JSON shapes below are Asterisk's (api-docs/*.json models), with the
// fields in the order a recorded Asterisk 22 writes them. Fields Asterisk
// always sends are never omitempty, even when empty.

// timeFormat is how Asterisk writes times: "2026-11-23T19:02:46.603+0000".
const timeFormat = "2006-01-02T15:04:05.000-0700"

func formatTime(t time.Time) string { return t.Format(timeFormat) }

type callerJSON struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

type dialplanJSON struct {
	Context  string `json:"context"`
	Exten    string `json:"exten"`
	Priority int    `json:"priority"`
	AppName  string `json:"app_name"`
	AppData  string `json:"app_data"`
}

type channelJSON struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	State        string       `json:"state"`
	ProtocolID   string       `json:"protocol_id"`
	Caller       callerJSON   `json:"caller"`
	Connected    callerJSON   `json:"connected"`
	AccountCode  string       `json:"accountcode"`
	Dialplan     dialplanJSON `json:"dialplan"`
	CreationTime string       `json:"creationtime"`
	Language     string       `json:"language"`
}

type bridgeJSON struct {
	ID           string   `json:"id"`
	Technology   string   `json:"technology"`
	BridgeType   string   `json:"bridge_type"`
	BridgeClass  string   `json:"bridge_class"`
	Creator      string   `json:"creator"`
	Name         string   `json:"name"`
	Channels     []string `json:"channels"`
	CreationTime string   `json:"creationtime"`
	VideoMode    string   `json:"video_mode"`
}

type playbackJSON struct {
	ID        string `json:"id"`
	MediaURI  string `json:"media_uri"`
	TargetURI string `json:"target_uri"`
	Language  string `json:"language"`
	State     string `json:"state"`
}

// typeFilter is one entry of an application's events_allowed or
// events_disallowed list.
type typeFilter struct {
	Type string `json:"type"`
}

type applicationJSON struct {
	Name             string       `json:"name"`
	ChannelIDs       []string     `json:"channel_ids"`
	BridgeIDs        []string     `json:"bridge_ids"`
	EndpointIDs      []string     `json:"endpoint_ids"`
	DeviceNames      []string     `json:"device_names"`
	EventsAllowed    []typeFilter `json:"events_allowed"`
	EventsDisallowed []typeFilter `json:"events_disallowed"`
}

// errorJSON is Asterisk's body for most REST errors.
type errorJSON struct {
	Message string `json:"message"`
}

// eventJSON is every websocket event the simulator sends: one struct with
// the union of the fields, so an event is marshalled once with no maps.
// Pointers mark fields that must appear even when zero or empty
// (ChannelVarset's value "", Dial's dialstatus "", StasisStart's args []).
type eventJSON struct {
	Variable     *string       `json:"variable,omitempty"`
	Value        *string       `json:"value,omitempty"`
	Cause        *int          `json:"cause,omitempty"`
	Soft         bool          `json:"soft,omitempty"`
	TechCause    int           `json:"tech_cause,omitempty"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp"`
	CauseTxt     string        `json:"cause_txt,omitempty"`
	Digit        string        `json:"digit,omitempty"`
	DurationMS   *int          `json:"duration_ms,omitempty"`
	DialplanApp  *string       `json:"dialplan_app,omitempty"`
	DialplanData *string       `json:"dialplan_app_data,omitempty"`
	Presentation *int          `json:"caller_presentation,omitempty"`
	PresentTxt   string        `json:"caller_presentation_txt,omitempty"`
	Args         *[]string     `json:"args,omitempty"`
	DialStatus   *string       `json:"dialstatus,omitempty"`
	Forward      *string       `json:"forward,omitempty"`
	DialString   *string       `json:"dialstring,omitempty"`
	Peer         *channelJSON  `json:"peer,omitempty"`
	Bridge       *bridgeJSON   `json:"bridge,omitempty"`
	Channel      *channelJSON  `json:"channel,omitempty"`
	Playback     *playbackJSON `json:"playback,omitempty"`
	AsteriskID   string        `json:"asterisk_id"`
	Application  string        `json:"application"`
}

func strp(s string) *string { return &s }
func intp(i int) *int       { return &i }

// causeText is Asterisk's ast_cause2str for the Q.850 causes the simulator
// produces.
var causeText = map[int]string{
	1:   "Unallocated (unassigned) number",
	16:  "Normal Clearing",
	17:  "User busy",
	18:  "No user responding",
	19:  "User alerting, no answer",
	21:  "Call Rejected",
	26:  "Answered elsewhere",
	28:  "Invalid number format (incomplete number)",
	31:  "Normal, unspecified",
	34:  "Circuit/channel congestion",
	38:  "Network out of order",
	58:  "Bearer capability not available",
	127: "Interworking, unspecified",
}

// hangupReasons maps DELETE /channels/{id}?reason= to the Q.850 cause, as
// res/ari/resource_channels.c does.
var hangupReasons = map[string]int{
	"normal":             16,
	"busy":               17,
	"congestion":         34,
	"no_answer":          19,
	"timeout":            18,
	"rejected":           21,
	"unallocated":        1,
	"normal_unspecified": 31,
	"number_incomplete":  28,
	"codec_mismatch":     58,
	"interworking":       127,
	"failure":            38,
	"answered_elsewhere": 26,
}

// parseEndpoint splits "PJSIP/+447911123456@trunk" into technology "PJSIP",
// number "+447911123456" and endpoint "trunk"; "PJSIP/name" has number and
// endpoint "name".
func parseEndpoint(s string) (tech, number, endpoint string, ok bool) {
	tech, rest, ok := strings.Cut(s, "/")
	if !ok || tech == "" || rest == "" {
		return "", "", "", false
	}
	number, endpoint, found := strings.Cut(rest, "@")
	if !found {
		endpoint = rest
	}
	if number == "" || endpoint == "" {
		return "", "", "", false
	}
	return tech, number, endpoint, true
}

// knownTechnologies are the channel drivers a stock Asterisk 22 loads;
// anything else fails allocation (500 "Allocation failed").
var knownTechnologies = map[string]bool{
	"PJSIP": true, "SIP": true, "IAX2": true, "Local": true, "DAHDI": true,
}
