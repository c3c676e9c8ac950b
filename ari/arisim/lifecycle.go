package arisim

import "time"

// The life of a leg, event by event, as the recordings in
// ../shared/asterisk-ari/transcripts show it. Every function here runs with
// the lock held.

// emitChannel sends an event about c to c's application, with c's current
// snapshot, built only when a websocket would receive it (the client's
// event filter drops most ChannelVarset events).
func (s *Sim) emitChannel(c *channel, typ string, ev *eventJSON) {
	if s.listening(c.appName, typ) == nil {
		return
	}
	ev.Type = typ
	ev.Channel = c.snapshot()
	s.emit(c.appName, ev)
}

func (s *Sim) varset(c *channel, name, value string) {
	s.emitChannel(c, "ChannelVarset", &eventJSON{Variable: strp(name), Value: strp(value)})
}

// enterStasis puts a channel into its application. From channels/create:
// ChannelDialplan, ChannelVarset STASISSTATUS "", StasisStart (state Down).
// From an originate, on answer: ChannelVarset, StasisStart (state Up).
func (s *Sim) enterStasis(c *channel, fromCreate bool) {
	c.inStasis = true
	if fromCreate {
		s.emitChannel(c, "ChannelDialplan", &eventJSON{
			DialplanApp:  strp("Stasis"),
			DialplanData: strp(c.stasisData()),
		})
	}
	s.varset(c, "STASISSTATUS", "")
	args := append([]string{}, c.args...)
	s.emitChannel(c, "StasisStart", &eventJSON{Args: &args})
}

// dialEvent is Dial about c. After channels/{id}/dial only the first Dial
// names the dialstring; after an originate every one does.
func (s *Sim) dialEvent(c *channel, status string) {
	ds := ""
	if status == "" || c.originated {
		ds = c.dialString
	}
	ev := &eventJSON{
		Type:       "Dial",
		DialStatus: strp(status),
		Forward:    strp(""),
		DialString: strp(ds),
		Peer:       c.snapshot(),
	}
	s.emit(c.appName, ev)
}

// startDial sends the INVITE: Dial with an empty dialstatus, the dial
// timeout (seconds; negative means none), then the phone's script.
func (s *Sim) startDial(c *channel, timeout int) {
	c.dialled = true
	s.recordInvite(c)
	s.dialEvent(c, "")
	if timeout > 0 {
		s.channelAfter(c, time.Duration(timeout)*time.Second, func() {
			if c.state != "Up" {
				s.dialTimeout(c)
			}
		})
	}
	s.runScript(c)
}

// ring is the phone's 180 Ringing: ChannelStateChange Ringing, then Dial
// RINGING. Asterisk sends these two in either order; depend on neither.
func (s *Sim) ring(c *channel) {
	if c.state == "Ringing" {
		return
	}
	c.state = "Ringing"
	s.emitChannel(c, "ChannelStateChange", &eventJSON{})
	s.dialEvent(c, "RINGING")
}

// answer is the phone's 200 OK: ChannelStateChange Up, Dial ANSWER, and for
// an originate the entry into the application.
func (s *Sim) answer(c *channel) {
	c.state = "Up"
	s.emitChannel(c, "ChannelStateChange", &eventJSON{})
	s.dialEvent(c, "ANSWER")
	if c.originated && !c.inStasis {
		s.enterStasis(c, false)
	}
}

// hangupRequest is the ChannelHangupRequest that starts a teardown.
type hangupRequest struct {
	cause     *int
	soft      bool
	techCause int
}

// dialStatusFor is the final Dial status an originate reports for a
// failure cause (ARI documentation; not recorded).
func dialStatusFor(cause int) string {
	switch cause {
	case 17, 21:
		return "BUSY"
	case 19:
		return "NOANSWER"
	case 34:
		return "CONGESTION"
	default:
		return "CHANUNAVAIL"
	}
}

// reject ends a dial that the far end refused (busy 486, congestion 503,
// not found 404, unavailable 480, declined 603): no final Dial event,
// ChannelHangupRequest with cause and tech_cause, StasisEnd, ChannelVarset,
// ChannelDestroyed with the same cause.
func (s *Sim) reject(c *channel, cause, techCause int) {
	if c.originated && !c.inStasis {
		s.dialEvent(c, dialStatusFor(cause))
	}
	s.teardown(c, hangupRequest{cause: intp(cause), techCause: techCause}, nil, cause, techCause)
}

// dialTimeout: the phone rang past the dial timeout. Asterisk hangs the
// channel up softly (cause 32) and destroys it with cause 19 "User
// alerting, no answer", tech_cause 480 (recording
// create-dial-noanswer-timeout).
func (s *Sim) dialTimeout(c *channel) {
	if c.originated && !c.inStasis {
		s.dialEvent(c, "NOANSWER")
	}
	s.teardown(c, hangupRequest{cause: intp(32), soft: true}, nil, 19, 480)
}

// appHangup is DELETE /channels/{id}. A channel never dialled also reports
// the far end's 603 (recording create-dial-race).
func (s *Sim) appHangup(c *channel, cause int) {
	req := hangupRequest{cause: intp(32), soft: true}
	if !c.dialled && !c.inbound {
		s.teardown(c, req, &hangupRequest{cause: intp(16), techCause: 603}, cause, 603)
		return
	}
	s.teardown(c, req, nil, cause, 0)
}

// farEndHangup is the phone hanging up. Answered: BYE, a
// ChannelHangupRequest without cause (cause 16 when the leg is bridged),
// ChannelDestroyed 16 (recordings create-dial-remote-hangup,
// bridge-leader-supporter). Still ringing: the phone declines (603), which
// Asterisk maps to cause 21 (not recorded: its SIP-to-Q.850 table).
func (s *Sim) farEndHangup(c *channel) {
	if c.inbound && c.state != "Up" {
		// The caller gave up before the answer (ARI documentation).
		s.teardown(c, hangupRequest{}, nil, 16, 0)
		return
	}
	if c.state != "Up" {
		s.reject(c, 21, 603)
		return
	}
	req := hangupRequest{}
	if c.bridge != nil {
		req.cause = intp(16)
	}
	s.teardown(c, req, nil, 16, 0)
}

// rtpQoS are the RTP statistics variables Asterisk sets on an answered
// leg as it hangs up; a bridged peer gets the same with a BRIDGED suffix.
var rtpQoS = [...]struct{ name, value string }{
	{"RTPAUDIOQOS", "ssrc=0;themssrc=0;lp=0;rxjitter=0.000000;rxcount=0;txjitter=0.000000;txcount=0;rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000"},
	{"RTPAUDIOQOSJITTER", "minrxjitter=000.000000;maxrxjitter=000.000000;avgrxjitter=000.000000;stdevrxjitter=000.000000;mintxjitter=000.000000;maxtxjitter=000.000000;avgtxjitter=000.000000;stdevtxjitter=000.000000;"},
	{"RTPAUDIOQOSLOSS", "  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;"},
	{"RTPAUDIOQOSRTT", "     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;"},
	{"RTPAUDIOQOSMES", "   minrxmes=000.000000;   maxrxmes=000.000000;   avgrxmes=000.000000;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;"},
}

// teardown ends a channel in Asterisk's order: RTP statistics (answered
// legs), ChannelHangupRequest, leaving the bridge, its playbacks finishing,
// StasisEnd and ChannelVarset STASISSTATUS (legs in the application), a
// second hangup request if any, ChannelDestroyed.
func (s *Sim) teardown(c *channel, req hangupRequest, second *hangupRequest, cause, techCause int) {
	if c.gone {
		return
	}
	if c.state == "Up" {
		var peers []*channel
		if c.bridge != nil {
			for _, p := range c.bridge.channels {
				if p != c {
					peers = append(peers, p)
				}
			}
		}
		for _, v := range rtpQoS {
			s.varset(c, v.name, v.value)
			for _, p := range peers {
				s.varset(p, v.name+"BRIDGED", v.value)
			}
		}
	}
	s.hangupEvent(c, req)
	if c.bridge != nil {
		s.leaveBridge(c)
	}
	s.stopPlaybacks(c)
	if c.inStasis {
		s.emitChannel(c, "StasisEnd", &eventJSON{})
		s.varset(c, "STASISSTATUS", "SUCCESS")
	}
	if second != nil {
		s.hangupEvent(c, *second)
	}
	c.inStasis = false
	ev := &eventJSON{Cause: intp(cause), CauseTxt: causeText[cause], TechCause: techCause}
	if ev.CauseTxt == "" {
		ev.CauseTxt = "Unknown"
	}
	s.emitChannel(c, "ChannelDestroyed", ev)
	s.forget(c)
}

func (s *Sim) hangupEvent(c *channel, req hangupRequest) {
	s.emitChannel(c, "ChannelHangupRequest", &eventJSON{
		Cause:     req.cause,
		Soft:      req.soft,
		TechCause: req.techCause,
	})
}

// forget removes a channel without events (after ChannelDestroyed, or on
// Restart).
func (s *Sim) forget(c *channel) {
	c.gone = true
	for _, t := range c.timers {
		s.cancel(t)
	}
	c.timers = nil
	for _, pb := range c.playbacks {
		s.cancel(pb.timer)
		delete(s.playbacks, pb.id)
	}
	c.playbacks = nil
	if c.bridge != nil {
		c.bridge.remove(c)
		c.bridge = nil
	}
	delete(s.channels, c.id)
}
