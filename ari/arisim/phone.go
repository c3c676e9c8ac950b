package arisim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Outcome is what a simulated phone does with a call.
type Outcome int

// The outcomes, each with the causes a real Asterisk reports (recordings
// create-dial-*).
const (
	// Answer: rings, then answers after Script.RingFor.
	Answer Outcome = iota
	// Busy: 486 Busy Here; ChannelDestroyed cause 17 "User busy".
	Busy
	// Congestion: 503 Service Unavailable; cause 34 "Circuit/channel congestion".
	Congestion
	// NotFound: the carrier's 404, a wrong number; cause 1 "Unallocated
	// (unassigned) number".
	NotFound
	// NoAnswer: rings until the dial timeout (cause 19 "User alerting, no
	// answer") or until the application hangs up.
	NoAnswer
	// Unreachable: the phone is off or out of coverage; the carrier answers
	// 480 Temporarily Unavailable, which Asterisk maps to cause 19 (not
	// recorded: Asterisk's SIP-to-Q.850 table).
	Unreachable
)

var outcomeNames = [...]string{"answer", "busy", "congestion", "notfound", "noanswer", "unreachable"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && o >= 0 {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// MarshalText writes the outcome's name ("answer", "busy", ...).
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads an outcome's name; empty means Answer.
func (o *Outcome) UnmarshalText(b []byte) error {
	name := strings.ToLower(strings.TrimSpace(string(b)))
	if name == "" {
		*o = Answer
		return nil
	}
	for i, n := range outcomeNames {
		if n == name {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("arisim: unknown outcome %q (want one of %s)", name, strings.Join(outcomeNames[:], ", "))
}

// Script is what the phone at a number does when dialled.
type Script struct {
	Outcome     Outcome       // Answer by default
	RingFor     time.Duration // ringing before the outcome (Answer: answer after RingFor)
	HangupAfter time.Duration // once answered, the phone hangs up (BYE) after this; 0 = never
	Keys        []KeyPress    // once answered, keys the phone presses
}

// KeyPress is a key pressed After the answer, held for Duration (100 ms
// when zero), sent as ChannelDtmfReceived.
type KeyPress struct {
	After    time.Duration
	Digit    string
	Duration time.Duration
}

// scriptWire is the control API's JSON for a Script, in milliseconds.
type scriptWire struct {
	Outcome       Outcome   `json:"outcome"`
	RingForMS     int64     `json:"ring_for_ms,omitempty"`
	HangupAfterMS int64     `json:"hangup_after_ms,omitempty"`
	Keys          []keyWire `json:"keys,omitempty"`
}

type keyWire struct {
	AfterMS    int64  `json:"after_ms"`
	Digit      string `json:"digit"`
	DurationMS int64  `json:"duration_ms,omitempty"`
}

// MarshalJSON writes {"outcome":"answer","ring_for_ms":..,"hangup_after_ms":..,
// "keys":[{"after_ms":..,"digit":"1","duration_ms":..}]}.
func (sc Script) MarshalJSON() ([]byte, error) {
	w := scriptWire{Outcome: sc.Outcome, RingForMS: sc.RingFor.Milliseconds(), HangupAfterMS: sc.HangupAfter.Milliseconds()}
	for _, k := range sc.Keys {
		w.Keys = append(w.Keys, keyWire{AfterMS: k.After.Milliseconds(), Digit: k.Digit, DurationMS: k.Duration.Milliseconds()})
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (sc *Script) UnmarshalJSON(b []byte) error {
	var w scriptWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := Script{Outcome: w.Outcome, RingFor: ms(w.RingForMS), HangupAfter: ms(w.HangupAfterMS)}
	for _, k := range w.Keys {
		out.Keys = append(out.Keys, KeyPress{After: ms(k.AfterMS), Digit: k.Digit, Duration: ms(k.DurationMS)})
	}
	if err := out.validate(); err != nil {
		return err
	}
	*sc = out
	return nil
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

func (sc Script) validate() error {
	if sc.Outcome < Answer || sc.Outcome > Unreachable {
		return fmt.Errorf("arisim: unknown outcome %d", int(sc.Outcome))
	}
	if sc.RingFor < 0 || sc.HangupAfter < 0 {
		return errors.New("arisim: negative duration in script")
	}
	for _, k := range sc.Keys {
		if err := validDigits(k.Digit); err != nil || len(k.Digit) != 1 {
			return fmt.Errorf("arisim: key %q: want one of 0-9 * # A-D", k.Digit)
		}
	}
	return nil
}

func validDigits(digits string) error {
	if digits == "" {
		return errors.New("arisim: no digits")
	}
	for _, r := range digits {
		if !strings.ContainsRune("0123456789*#ABCD", r) {
			return fmt.Errorf("arisim: %q is not a DTMF digit", r)
		}
	}
	return nil
}

// trunkScripts make the endpoints of the recordings drive the same far
// ends as the recorder's SIPp (README of transcripts): PJSIP/200@answer and
// so on, for numbers without a script of their own.
var trunkScripts = map[string]Script{
	"answer":     {},
	"busy":       {Outcome: Busy},
	"congestion": {Outcome: Congestion},
	"notfound":   {Outcome: NotFound},
	"noanswer":   {Outcome: NoAnswer},
	"hangup":     {HangupAfter: 2 * time.Second},
	"dtmf": {Keys: []KeyPress{
		{After: 1000 * time.Millisecond, Digit: "1", Duration: 160 * time.Millisecond},
		{After: 1400 * time.Millisecond, Digit: "*", Duration: 160 * time.Millisecond},
		{After: 1800 * time.Millisecond, Digit: "#", Duration: 160 * time.Millisecond},
	}},
}

// SetScript sets what the phone at number does on the next calls to it
// (calls in progress keep their script).
func (s *Sim) SetScript(number string, sc Script) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[number] = sc
}

// scriptFor is the number's script, else the recordings' endpoint script,
// else Config.DefaultScript. The caller holds the lock.
func (s *Sim) scriptFor(number, endpoint string) Script {
	if sc, ok := s.scripts[number]; ok {
		return sc
	}
	if sc, ok := trunkScripts[endpoint]; ok {
		return sc
	}
	return s.cfg.DefaultScript
}

// runScript plays the phone's part once the INVITE is out.
func (s *Sim) runScript(c *channel) {
	sc := c.script
	var cause, tech int
	switch sc.Outcome {
	case Answer:
		s.ring(c)
		s.channelAfter(c, sc.RingFor, func() { s.answered(c) })
		return
	case NoAnswer:
		s.ring(c)
		return
	case Busy:
		cause, tech = 17, 486
	case Congestion:
		cause, tech = 34, 503
	case NotFound:
		cause, tech = 1, 404
	case Unreachable:
		cause, tech = 19, 480
	}
	if sc.RingFor > 0 {
		s.ring(c)
	}
	s.channelAfter(c, sc.RingFor, func() { s.reject(c, cause, tech) })
}

// answered answers and schedules what the phone does afterwards.
func (s *Sim) answered(c *channel) {
	s.answer(c)
	for _, k := range c.script.Keys {
		s.channelAfter(c, k.After, func() { s.dtmf(c, k.Digit, k.Duration) })
	}
	if c.script.HangupAfter > 0 {
		s.channelAfter(c, c.script.HangupAfter, func() { s.farEndHangup(c) })
	}
}

func (s *Sim) dtmf(c *channel, digit string, held time.Duration) {
	if held <= 0 {
		held = 100 * time.Millisecond
	}
	s.emitChannel(c, "ChannelDtmfReceived", &eventJSON{Digit: digit, DurationMS: intp(int(held.Milliseconds()))})
}

// ErrNoChannel is returned by the control methods for a channel that does
// not exist (or no live channel to a number).
var ErrNoChannel = errors.New("arisim: no such channel")

// ErrNotAnswered is returned when a phone is asked to press keys before it
// answered.
var ErrNotAnswered = errors.New("arisim: channel not answered")

// Press makes the far end of a channel press digits now, one
// ChannelDtmfReceived each (duration_ms 100).
func (s *Sim) Press(channelID, digits string) error {
	if err := validDigits(digits); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		return fmt.Errorf("press %q on %s: %w", digits, channelID, ErrNoChannel)
	}
	return s.pressLocked(c, digits)
}

// PressNumber presses digits on the newest answered channel to number.
func (s *Sim) PressNumber(number, digits string) error {
	if err := validDigits(digits); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *channel
	for _, c := range s.channels {
		if c.number != number {
			continue
		}
		if found == nil {
			found = c
			continue
		}
		up, foundUp := c.state == "Up", found.state == "Up"
		if up && !foundUp || up == foundUp && c.seq > found.seq {
			found = c
		}
	}
	if found == nil {
		return fmt.Errorf("press %q on %s: %w", digits, number, ErrNoChannel)
	}
	return s.pressLocked(found, digits)
}

func (s *Sim) pressLocked(c *channel, digits string) error {
	if c.state != "Up" {
		return fmt.Errorf("press on %s: %w", c.id, ErrNotAnswered)
	}
	for _, d := range digits {
		s.dtmf(c, string(d), 0)
	}
	return nil
}

// HangupFarEnd makes the phone of a channel hang up now: BYE if answered,
// a 603 Decline while it rings.
func (s *Sim) HangupFarEnd(channelID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil || !c.dialled && !c.inbound {
		return fmt.Errorf("hang up %s: %w", channelID, ErrNoChannel)
	}
	s.farEndHangup(c)
	return nil
}
