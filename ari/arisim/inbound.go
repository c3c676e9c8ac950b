package arisim

import (
	"fmt"
	"strings"
)

// IncomingCall simulates a call from the phone at number from, arriving on
// a trunk for the number to, whose dialplan sends it to the application
// (Stasis(app)). The channel rings (state Ring) until the application
// answers it (POST /channels/{id}/answer) or hangs it up; HangupFarEnd is
// the caller giving up, Press and PressNumber(from, ...) its keys once
// answered. No recording covers inbound calls: the events (ChannelVarset,
// StasisStart; ChannelStateChange Up on answer) follow the ARI
// documentation. It returns the new channel's id.
func (s *Sim) IncomingCall(app, from, to string) (string, error) {
	if app == "" || strings.TrimSpace(from) == "" {
		return "", fmt.Errorf("arisim: incoming call needs an application and a caller")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	seq := s.nextID()
	c := &channel{
		id:         fmt.Sprintf("%d.%d", now.Unix(), seq),
		name:       fmt.Sprintf("PJSIP/trunk-%08x", seq),
		protocolID: s.uuid(),
		number:     from,
		endpoint:   "trunk",
		appName:    app,
		state:      "Ring",
		caller:     callerJSON{Number: from},
		connected:  callerJSON{Number: from},
		created:    now,
		seq:        seq,
		inbound:    true,
		exten:      to,
		vars:       map[string]string{},
	}
	s.appLocked(app)
	s.channels[c.id] = c
	s.enterStasis(c, false)
	return c.id, nil
}
