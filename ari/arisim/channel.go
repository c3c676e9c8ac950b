package arisim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// channel is one leg. Its fate after dial comes from its phone's Script.
type channel struct {
	id, name, protocolID string
	number, endpoint     string
	appName              string
	args                 []string
	state                string // Down, Ring, Ringing, Up
	caller, connected    callerJSON
	created              time.Time
	seq                  uint64

	inStasis   bool
	originated bool // POST /channels: Dial events first, StasisStart on answer
	inbound    bool // IncomingCall: the phone called us
	dialled    bool
	dialString string // "100@answer", as Asterisk reports it in Dial
	exten      string // the number an inbound call dialled
	script     Script

	bridge     *bridge
	bridgePeer string // the BRIDGEPEER value last announced for this channel
	vars       map[string]string
	playbacks  []*playback // the head plays, the rest wait
	timers     []*simTimer
	gone       bool
}

// snapshot is the channel as Asterisk describes it in events and replies.
// Inside Stasis the dialplan location is the Stasis application; outside,
// the dialplan location it had before (nothing for channels/create, AppDial2
// for an originated channel), as the recordings show on ChannelDestroyed.
func (c *channel) snapshot() *channelJSON {
	dp := dialplanJSON{Context: "from-trunk", Exten: "s", Priority: 1}
	if c.inbound {
		dp.Exten = c.exten
	}
	switch {
	case c.inStasis:
		dp.AppName, dp.AppData = "Stasis", c.stasisData()
	case c.originated:
		dp.AppName, dp.AppData = "AppDial2", "(Outgoing Line)"
	}
	return &channelJSON{
		ID:           c.id,
		Name:         c.name,
		State:        c.state,
		ProtocolID:   c.protocolID,
		Caller:       c.caller,
		Connected:    c.connected,
		Dialplan:     dp,
		CreationTime: formatTime(c.created),
		Language:     "en",
	}
}

func (c *channel) stasisData() string {
	if len(c.args) == 0 {
		return c.appName
	}
	return c.appName + "," + strings.Join(c.args, ",")
}

// channelAfter schedules f for a channel; it is cancelled when the channel
// goes. The caller holds the lock.
func (s *Sim) channelAfter(c *channel, d time.Duration, f func()) {
	st := s.after(d, func() {
		if !c.gone {
			f()
		}
	})
	if !st.stopped {
		c.timers = append(c.timers, st)
	}
}

// newChannel allocates a channel for endpoint, or returns the reply
// Asterisk gives when it cannot. The caller holds the lock.
func (s *Sim) newChannel(q *request, id string) (*channel, *reply) {
	endpoint := q.param("endpoint")
	if endpoint == "" {
		r := errorReply(http.StatusBadRequest, "Endpoint must be specified")
		return nil, &r
	}
	appName := q.param("app")
	if appName == "" {
		r := errorReply(http.StatusBadRequest, "Missing required param app")
		return nil, &r
	}
	tech, number, ep, ok := parseEndpoint(endpoint)
	if !ok || !knownTechnologies[tech] || (s.endpoint != nil && !s.endpoint[ep]) {
		r := reply{status: http.StatusInternalServerError, body: map[string]string{"error": "Allocation failed"}}
		return nil, &r
	}
	if id == "" {
		id = q.param("channelId")
	}
	now := s.clock.Now()
	seq := s.nextID()
	if id == "" {
		id = fmt.Sprintf("%d.%d", now.Unix(), seq)
	}
	if s.channels[id] != nil {
		r := errorReply(http.StatusConflict, "Channel with given unique ID already exists")
		return nil, &r
	}
	var args []string
	if a := q.param("appArgs"); a != "" {
		args = strings.Split(a, ",")
	}
	c := &channel{
		id:         id,
		name:       fmt.Sprintf("%s/%s-%08x", tech, ep, seq),
		protocolID: s.uuid(),
		number:     number,
		endpoint:   ep,
		appName:    appName,
		args:       args,
		state:      "Down",
		created:    now,
		seq:        seq,
		dialString: strings.SplitN(endpoint, "/", 2)[1],
		script:     s.scriptFor(number, ep),
		vars:       map[string]string{},
	}
	s.appLocked(appName)
	s.channels[id] = c
	// The body's variables are set before the channel enters the
	// application, each announced as it is set (recording
	// create-with-variables): in name order, as Asterisk walks the object.
	for _, k := range slices.Sorted(maps.Keys(q.vars)) {
		s.setVar(c, k, q.vars[k])
	}
	return c, nil
}

// createChannel is POST /channels/create: a channel in the application,
// not yet dialled. It enters Stasis at once or after Config.StasisDelay;
// the reply is the channel as it was before, as 18 of 19 recorded creates
// show.
func (s *Sim) createChannel(q *request) reply {
	c, fail := s.newChannel(q, "")
	if fail != nil {
		return *fail
	}
	snap := c.snapshot()
	s.channelAfter(c, s.cfg.StasisDelay, func() { s.enterStasis(c, true) })
	return reply{status: http.StatusOK, body: snap}
}

// originate is POST /channels (and /channels/{id}): Asterisk dials at once
// and the channel enters the application only when answered (recording
// originate-answer-app-hangup).
func (s *Sim) originate(q *request) reply {
	if q.param("app") == "" && q.param("endpoint") != "" {
		// Dialplan originates (context/extension) are not simulated.
		return errorReply(http.StatusBadRequest, "Application or extension must be specified")
	}
	c, fail := s.newChannel(q, q.path("id"))
	if fail != nil {
		return *fail
	}
	timeout, ok := q.intParam("timeout", 30)
	if !ok {
		return errorReply(http.StatusBadRequest, "timeout must be a number")
	}
	c.originated = true
	if cid := q.param("callerId"); cid != "" {
		c.caller.Number = cid
		c.connected.Number = cid
	}
	snap := c.snapshot()
	s.startDial(c, timeout)
	return reply{status: http.StatusOK, body: snap}
}

func (s *Sim) getChannel(q *request) reply {
	c := s.channels[q.path("id")]
	if c == nil {
		return errorReply(http.StatusNotFound, "Channel not found")
	}
	return reply{status: http.StatusOK, body: c.snapshot()}
}

func (s *Sim) listChannels(*request) reply {
	list := make([]*channelJSON, 0, len(s.channels))
	for _, c := range s.sortedChannels() {
		list = append(list, c.snapshot())
	}
	return reply{status: http.StatusOK, body: list}
}

func (s *Sim) sortedChannels() []*channel {
	list := make([]*channel, 0, len(s.channels))
	for _, c := range s.channels {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	return list
}

// dialChannel is POST /channels/{id}/dial. A timeout of 0 (the default)
// means 30 s, as res/ari/resource_channels.c does.
func (s *Sim) dialChannel(q *request) reply {
	c, fail := s.stasisChannel(q)
	if c == nil {
		return fail
	}
	if c.dialled {
		return errorReply(http.StatusConflict, "Channel is already being dialed")
	}
	timeout, ok := q.intParam("timeout", 0)
	if !ok {
		return errorReply(http.StatusBadRequest, "timeout must be a number")
	}
	if id := q.param("caller"); id != "" {
		caller := s.channels[id]
		if caller == nil {
			return errorReply(http.StatusNotFound, "Caller channel not found")
		}
		// The caller's identity becomes the leg's connected line, which is
		// what the INVITE's From and P-Asserted-Identity carry (recording
		// callerid-on-the-wire, case b).
		c.connected = caller.caller
		s.emitChannel(c, "ChannelConnectedLine", &eventJSON{})
	}
	if timeout == 0 {
		timeout = 30
	}
	s.startDial(c, timeout)
	return noContent
}

// hangupChannel is DELETE /channels/{id}?reason=: the application ends a
// leg. ChannelHangupRequest carries cause 32 (Asterisk's soft hangup flag)
// and soft: true; ChannelDestroyed carries the reason's cause (16 for
// "normal", the default).
func (s *Sim) hangupChannel(q *request) reply {
	c := s.channels[q.path("id")]
	if c == nil {
		return errorReply(http.StatusNotFound, "Channel not found")
	}
	cause := 16
	if code := q.param("reason_code"); code != "" {
		n, ok := q.intParam("reason_code", 16)
		if !ok {
			return errorReply(http.StatusBadRequest, "Invalid reason for hangup provided")
		}
		cause = n
	} else if reason := q.param("reason"); reason != "" {
		n, ok := hangupReasons[reason]
		if !ok {
			return errorReply(http.StatusBadRequest, "Invalid reason for hangup provided")
		}
		cause = n
	}
	s.appHangup(c, cause)
	return noContent
}

// answerChannel is POST /channels/{id}/answer, for inbound legs.
// Answering a leg that is already up does nothing (ARI documentation).
func (s *Sim) answerChannel(q *request) reply {
	c, fail := s.stasisChannel(q)
	if c == nil {
		return fail
	}
	if c.state != "Up" {
		if c.dialled || c.originated {
			return errorReply(http.StatusPreconditionFailed, "Channel in invalid state")
		}
		c.state = "Up"
		s.emitChannel(c, "ChannelStateChange", &eventJSON{})
	}
	return noContent
}

// ringChannel is POST and DELETE /channels/{id}/ring: ringing indication
// to the caller of an inbound leg. No event follows (ARI documentation).
func (s *Sim) ringChannel(q *request) reply {
	c, fail := s.stasisChannel(q)
	if c == nil {
		return fail
	}
	return noContent
}

func (s *Sim) getVariable(q *request) reply {
	c, fail := s.stasisChannel(q)
	if c == nil {
		return fail
	}
	name := q.param("variable")
	if name == "" {
		return errorReply(http.StatusBadRequest, "Variable name is required")
	}
	var value string
	switch name {
	case "CALLERID(num)":
		value = c.caller.Number
	case "CALLERID(name)":
		value = c.caller.Name
	default:
		v, ok := c.vars[name]
		if !ok {
			return errorReply(http.StatusNotFound, "Provided variable was not found")
		}
		value = v
	}
	return reply{status: http.StatusOK, body: map[string]string{"value": value}}
}

// setVariable is POST /channels/{id}/variable. CALLERID(num) and
// CALLERID(name) change the caller and raise ChannelCallerId,
// CONNECTEDLINE(num) and CONNECTEDLINE(name) the connected line with
// ChannelConnectedLine; other names raise ChannelVarset (ARI
// documentation). Before the channel's StasisStart it answers 409, as every
// channel operation does (recording create-setvar-race).
func (s *Sim) setVariable(q *request) reply {
	c, fail := s.stasisChannel(q)
	if c == nil {
		return fail
	}
	name := q.param("variable")
	if name == "" {
		return errorReply(http.StatusBadRequest, "Variable name is required")
	}
	s.setVar(c, name, q.param("value"))
	return noContent
}

func (s *Sim) setVar(c *channel, name, value string) {
	switch name {
	case "CONNECTEDLINE(num)", "CONNECTEDLINE(number)", "CONNECTEDLINE(name)":
		if name == "CONNECTEDLINE(name)" {
			c.connected.Name = value
		} else {
			c.connected.Number = value
		}
		s.emitChannel(c, "ChannelConnectedLine", &eventJSON{})
		return
	case "CALLERID(num)", "CALLERID(number)":
		c.caller.Number = value
	case "CALLERID(name)":
		c.caller.Name = value
	default:
		c.vars[name] = value
		s.varset(c, name, value)
		return
	}
	s.emitChannel(c, "ChannelCallerId", &eventJSON{
		Presentation: intp(0),
		PresentTxt:   "Presentation Allowed, Not Screened",
	})
}

// stasisChannel finds the channel of the request's path, answering 404 for
// an unknown one and 409 for one not (yet) in Stasis, as Asterisk does for
// the operations that need an application to control the channel.
func (s *Sim) stasisChannel(q *request) (*channel, reply) {
	c := s.channels[q.path("id")]
	if c == nil {
		return nil, errorReply(http.StatusNotFound, "Channel not found")
	}
	if !c.inStasis {
		return nil, errorReply(http.StatusConflict, "Channel not in Stasis application")
	}
	return c, reply{}
}
