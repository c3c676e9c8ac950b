package queue

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// CallRecord is one call leg, the leader's or a supporter's (R4.6): who,
// which number, when it was originated, answered and ended, how it ended and
// which Asterisk channel carried it. Records are never deleted; billing and
// analytics read them.
type CallRecord struct {
	ID              int64
	OrganisationID  int64
	SessionID       int64
	Cycle           int
	Leg             Leg
	SupporterID     int64 // 0 for the leader's leg
	LeaderID        int64
	DialledNumber   string
	State           CallState
	OriginatedAt    time.Time
	AnsweredAt      *time.Time
	EndedAt         *time.Time
	Outcome         Outcome // "" while live
	HangupCause     int
	HangupCauseText string
	ChannelID       string
	Node            string
	DurationSeconds int // answered to ended, rounded up
}

// Leg says whose phone a call record is about.
type Leg string

// The legs of a session's calls.
const (
	LegLeader    Leg = "leader"
	LegSupporter Leg = "supporter"
)

// CallState is where a leg is in its life.
type CallState string

// The states of a call leg.
const (
	CallDialling CallState = "dialling"
	CallAnswered CallState = "answered"
	CallEnded    CallState = "ended"
)

// Outcome is how a leg ended (R4.2).
type Outcome string

// The outcomes of a call leg.
const (
	OutcomeAnswered Outcome = "answered"
	OutcomeNoAnswer Outcome = "no_answer"
	OutcomeBusy     Outcome = "busy"
	OutcomeRejected Outcome = "rejected"
	OutcomeFailed   Outcome = "failed"
	// OutcomeCut: ended before any outcome was logged for it (the leader hung
	// up, the server lost the channel). The supporter is called again first
	// when the session resumes, and no cool-down applies (R4.4).
	OutcomeCut Outcome = "cut"
	// OutcomeRefused: the server would not dial the number (R10.4).
	OutcomeRefused Outcome = "refused"
)

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeAnswered, OutcomeNoAnswer, OutcomeBusy, OutcomeRejected, OutcomeFailed, OutcomeCut, OutcomeRefused:
		return true
	}
	return false
}

const callColumns = `c.id, c.organisation_id, c.session_id, c.cycle, c.leg, coalesce(c.supporter_id, 0), c.leader_id,
	c.dialled_number, c.state, c.originated_at, c.answered_at, c.ended_at, coalesce(c.outcome::text, ''),
	coalesce(c.hangup_cause, 0), c.hangup_cause_text, coalesce(c.channel_id, ''), c.node, coalesce(c.duration_seconds, 0)`

func scanCall(row pgx.Row) (CallRecord, error) {
	var c CallRecord
	err := row.Scan(callScanDest(&c)...)
	return c, err
}

// Call returns a call record of the organisation. ENOTFOUND if none.
func (s *Store) Call(ctx context.Context, orgID, callID int64) (CallRecord, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, `SELECT `+callColumns+` FROM call_records c
		WHERE c.organisation_id = $1 AND c.id = $2`, orgID, callID))
	return c, Internal("find call", notFound(err, "call"))
}

// StartLeaderCall records the leg that rings the leader's mobile (R4.1).
// ECONFLICT if the session's leader leg is already live: a second Start
// while the leader's phone rings or talks does nothing.
func (s *Store) StartLeaderCall(ctx context.Context, orgID, sessionID int64) (CallRecord, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, `
		WITH c AS (
			INSERT INTO call_records (organisation_id, session_id, cycle, leg, leader_id, dialled_number, originated_at)
			SELECT s.organisation_id, s.id, s.cycle, 'leader', s.leader_id, u.mobile, $3
			FROM calling_sessions s JOIN users u ON u.id = s.leader_id
			WHERE s.organisation_id = $1 AND s.id = $2 AND u.mobile IS NOT NULL
			RETURNING *
		) SELECT `+callColumns+` FROM c`, orgID, sessionID, s.clock.Now()))
	if err != nil {
		return CallRecord{}, Internal("start leader call", notFound(constraintError(err, map[string]*Error{
			"call_records_one_live_leader_leg_per_session": {Code: ECONFLICT, Message: "the leader's phone is already live in this session"},
		}), "session with a leader mobile"))
	}
	return c, nil
}

// SetCallChannel records the Asterisk channel (and node) carrying a leg.
func (s *Store) SetCallChannel(ctx context.Context, orgID, callID int64, channelID, node string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE call_records SET channel_id = $3, node = $4
		WHERE organisation_id = $1 AND id = $2`, orgID, callID, channelID, node)
	if err != nil {
		return Internal("set call channel", constraintError(err, map[string]*Error{
			"call_records_channel": {Code: ECONFLICT, Field: "channel_id", Message: "channel already recorded on another call"},
		}))
	}
	if tag.RowsAffected() == 0 {
		return Errorf(ENOTFOUND, "call not found")
	}
	return nil
}

// CallAnswered records that a leg was answered now. Answering an answered
// leg, or one that ended unanswered, changes nothing (events may arrive
// twice).
func (s *Store) CallAnswered(ctx context.Context, orgID, callID int64) (CallRecord, error) {
	return s.CallAnsweredAt(ctx, orgID, callID, s.clock.Now())
}

// CallAnsweredAt records that a leg was answered at a time past: the phone
// flow's write of an answer that failed and is made again, maybe after the
// leg ended (as answered, or cut mid-conversation), so the record still
// tells how long the conversation was.
func (s *Store) CallAnsweredAt(ctx context.Context, orgID, callID int64, at time.Time) (CallRecord, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, `
		WITH c AS (
			UPDATE call_records SET state = CASE WHEN state = 'dialling' THEN 'answered' ELSE state END,
				answered_at = least(greatest(@at::timestamptz, originated_at), coalesce(ended_at, 'infinity'))
			WHERE organisation_id = @org AND id = @call AND answered_at IS NULL
				AND (state = 'dialling' OR outcome IN ('answered', 'cut'))
			RETURNING *
		) SELECT `+callColumns+` FROM c`, pgx.NamedArgs{"org": orgID, "call": callID, "at": at}))
	if errors.Is(err, pgx.ErrNoRows) {
		return s.Call(ctx, orgID, callID)
	}
	return c, Internal("call answered", err)
}

// CallEnded records how a leg ended and frees the supporter: the cool-down
// starts now (R7.1), except after a cut or a refusal. A leg ended as cut
// with an outcome logged for it ends answered; one with nothing logged puts
// the supporter first in the queue again, not attempted (R4.4). The
// statement decides that itself, from the row it ends, so a contact logged
// as the call ends is never missed. Ending an ended leg changes nothing and
// returns it.
func (s *Store) CallEnded(ctx context.Context, orgID, callID int64, outcome Outcome, cause int, causeText string) (CallRecord, error) {
	return s.CallEndedAt(ctx, orgID, callID, s.clock.Now(), outcome, cause, causeText)
}

// CallEndedAt is CallEnded for a leg that ended at a time past: the phone
// flow's write of an end that failed and is made again once the database
// answers, so the call's duration and the cool-down count from the true
// end, not from the outage's.
func (s *Store) CallEndedAt(ctx context.Context, orgID, callID int64, at time.Time, outcome Outcome, cause int, causeText string) (CallRecord, error) {
	if !outcome.Valid() {
		return CallRecord{}, FieldErrorf("outcome", "%q is not a call outcome", outcome)
	}
	args := pgx.NamedArgs{"org": orgID, "call": callID, "outcome": outcome, "cause": cause, "cause_text": causeText, "now": at}
	var c CallRecord
	err := retrying(ctx, func() error {
		return s.queryRowAfter(ctx, `SELECT `+markingItself+`, `+progressUnchanged, endCall, args, func(row pgx.Row) (err error) {
			c, err = scanCall(row)
			return err
		})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return s.Call(ctx, orgID, callID)
	}
	return c, Internal("call ended", err)
}

const endCall = `
	WITH ended AS (
		-- Never before the leg began or was answered, whatever the clock of
		-- the instance that ends it (another's may have begun it).
		UPDATE call_records SET state = 'ended', ended_at = greatest(@now::timestamptz, originated_at, answered_at),
			outcome = CASE WHEN @outcome::call_outcome = 'cut' AND logged THEN 'answered' ELSE @outcome::call_outcome END,
			hangup_cause = nullif(@cause::integer, 0), hangup_cause_text = @cause_text
		WHERE organisation_id = @org AND id = @call AND state <> 'ended'
		RETURNING *
	), freed AS (
		UPDATE supporters sp SET live_call_id = NULL,
			last_call_at = CASE WHEN ended.outcome IN ('cut', 'refused') THEN sp.last_call_at ELSE ended.ended_at END,
			-- A refused number stays out of every session (R7.5) until it changes.
			undiallable = CASE WHEN ended.outcome = 'refused' AND ended.leg = 'supporter'
				THEN left(coalesce(nullif(@cause_text, ''), 'refused'), 200) ELSE sp.undiallable END
		FROM ended WHERE sp.id = ended.supporter_id AND sp.live_call_id = ended.id
	), requeued AS (
		UPDATE session_supporters ss SET attempted = false,
			sort_key = (SELECT min(first.sort_key) - 1 FROM session_supporters first WHERE first.session_id = ss.session_id)
		FROM ended
		WHERE ended.outcome = 'cut' AND ended.leg = 'supporter'
			AND ss.session_id = ended.session_id AND ss.supporter_id = ended.supporter_id
			AND ss.completed_at IS NULL
	), touched AS (
		-- Marks the session for the announcer (migration 0003) here; the
		-- triggers skip this statement (migration 0005).
		UPDATE calling_sessions s SET last_activity_at = @now, unannounced = s.unannounced | 3
		FROM ended WHERE s.id = ended.session_id
	)
	SELECT ` + callColumns + ` FROM ended c`
