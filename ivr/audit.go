package ivr

import (
	"github.com/supporterbase/callingsessions/queue"
)

// causeUnrecorded explains a record ended by an audit: its leg was over
// (or never dialled) but its end never reached the database.
const causeUnrecorded = "its end was not recorded (the database was unreachable); ended by the server's check"

// onAudit checks the session's live records, read from the database, with
// the legs the call holds: a record it does not hold is one whose end could
// not be written (or a claim whose answer was lost on the way back), and
// would keep its supporter "on a call" to every session and block the next
// claim (R7.2). Such records are hung up and ended; a supporter's as cut,
// so they are called again first (R4.4). Records made after the read are
// not in it, so nothing the call holds now is touched.
func (c *Call) onAudit(records []queue.CallRecord) []command {
	var cmds []command
	for _, r := range records {
		if c.holds(r.ID) {
			continue
		}
		if r.ChannelID != "" {
			cmds = append(cmds, command{kind: hangup, channel: r.ChannelID})
		}
		outcome := queue.OutcomeCut
		if r.Leg == queue.LegLeader {
			outcome = queue.OutcomeFailed
			if r.AnsweredAt != nil {
				outcome = queue.OutcomeAnswered
			}
		}
		cmds = append(cmds, command{kind: recordEnded, callID: r.ID, outcome: outcome, causeText: causeUnrecorded})
	}
	return cmds
}

// holds reports whether the call record is one of the call's live legs.
func (c *Call) holds(callID int64) bool {
	if c.state != done && callID == c.leader.callID {
		return true
	}
	return c.supporter != nil && callID == c.supporter.callID
}
