package ivr

import "strings"

// The leader's keypad (R4.3).
const (
	// KeyEndCall, during a connected call, ends the supporter's leg (and,
	// while a supporter rings, stops ringing them).
	KeyEndCall = "*"
	// In wrap-up any key dials the next supporter; these also log the last
	// one, when nothing was logged for that call in the panel yet.
	KeyContacted    = "1"
	KeyNotContacted = "2"
	KeyWrongNumber  = "9"
)

// isKey reports whether d is a key of a phone's keypad. DTMF A-D exist but
// no phone a leader holds has them: they are ignored as unknown (R12).
func isKey(d string) bool {
	return len(d) == 1 && strings.Contains("0123456789*#", d)
}

// onKey is a key the leader pressed.
func (c *Call) onKey(d string) []command {
	if !isKey(d) {
		return nil
	}
	switch c.state {
	case confirming:
		// Any key: a person answered (R4.1). The first supporter is
		// claimed at once; the prompt plays on until ringback (or what the
		// queue answers) replaces it, so nothing stands between the key and
		// the dial.
		c.state = claiming
		return []command{{kind: stopConfirmTimer}, {kind: claimSupporter}}
	case dialling, connected:
		if d == KeyEndCall && c.supporter != nil {
			return []command{{kind: hangup, channel: c.supporter.channel}}
		}
	case wrapUp:
		// The prompt keeps playing through the claim; what comes next
		// (ringback, or the next prompt) replaces it.
		if c.last != nil && !c.logged {
			switch d {
			case KeyContacted, KeyNotContacted:
				if !c.last.answered {
					// The leg never connected (busy, no answer, failed):
					// nobody was reached, and its outcome is on its record;
					// the key only moves on.
					break
				}
				c.logged = true
				c.afterDial = []command{{kind: logContact, callID: c.last.callID, supporter: c.last.supporterID, contacted: d == KeyContacted}}
			case KeyWrongNumber:
				c.logged = true
				c.afterDial = []command{{kind: removeWrongNumber, callID: c.last.callID, supporter: c.last.supporterID}}
			}
		}
		c.state = claiming
		if c.last != nil && c.last.cut && len(c.afterDial) > 0 {
			// A cut supporter is first in the queue again (R4.4) until the
			// log says otherwise: log first, or the claim rings them again.
			logs := c.afterDial
			c.afterDial = nil
			return append(logs, command{kind: claimSupporter})
		}
		return []command{{kind: claimSupporter}}
	}
	return nil
}
