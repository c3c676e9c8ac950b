package queue

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// StartNewCycle begins the session's next pass through its queue (R8.3).
// A cycle completes by itself when nobody is available (R8.2); only then may
// a new one start. In one transaction it freezes the finished cycle's stats
// into the calling journey (R3.4), expires every "this cycle" skip (audited,
// R6.2), clears "attempted in this cycle" and counts the cycle on. Timed
// skips, removals and contacted supporters stay as they are.
//
// The session row is locked first, so a double click starts one cycle: the
// second click finds the new cycle open and is refused.
//
// Who may: see sessionFor. ENOTFOUND for a session of another organisation;
// EFORBIDDEN; ECONFLICT while supporters are still available, while a
// supporter is being called, or when nobody was called or skipped for this
// cycle (a new one would change nothing).
func (s *Store) StartNewCycle(ctx context.Context, actor User, sessionID int64) (Session, error) {
	if _, err := s.sessionFor(ctx, actor, sessionID); err != nil {
		return Session{}, err
	}
	err := s.inTx(ctx, "start new cycle", func(tx pgx.Tx) error {
		// Locked in a statement of its own: the checks below must read what
		// a concurrent new cycle committed while we waited for the lock.
		tag, err := tx.Exec(ctx, `SELECT FROM calling_sessions WHERE organisation_id = $1 AND id = $2 FOR UPDATE`,
			actor.OrganisationID, sessionID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return Errorf(ENOTFOUND, "session not found")
		}
		args := pgx.NamedArgs{"org": actor.OrganisationID, "session": sessionID, "now": s.clock.Now(),
			"count_to": MaxAvailableCount + 1}
		if err := checkCycleComplete(ctx, tx, args); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, beginNextCycle, args)
		return err
	})
	if err != nil {
		return Session{}, err
	}
	return s.Session(ctx, actor.OrganisationID, sessionID)
}

// cycleState says whether the current cycle may end: how many supporters
// are available, whether a supporter leg is live, and whether anything
// happened in the cycle that a new one would undo.
var cycleState = `
	SELECT (` + countAvailable + `),
		EXISTS (SELECT FROM call_records c WHERE c.session_id = s.id AND c.leg = 'supporter' AND c.state <> 'ended'),
		EXISTS (SELECT FROM session_supporters ss WHERE ss.session_id = s.id AND (ss.attempted OR ss.skip_type = 'cycle'))
	FROM calling_sessions s JOIN organisations o ON o.id = s.organisation_id
	WHERE s.organisation_id = @org AND s.id = @session`

// checkCycleComplete returns ECONFLICT unless a new cycle may start now.
func checkCycleComplete(ctx context.Context, tx pgx.Tx, args pgx.NamedArgs) error {
	var available int
	var calling, touched bool
	if err := tx.QueryRow(ctx, cycleState, args).Scan(&available, &calling, &touched); err != nil {
		return err
	}
	switch {
	case calling:
		return Errorf(ECONFLICT, "a supporter is being called: start a new cycle when the call ends")
	case available == 1:
		return Errorf(ECONFLICT, "the current cycle still has 1 available supporter")
	case available > MaxAvailableCount:
		return Errorf(ECONFLICT, "the current cycle still has more than %d available supporters", MaxAvailableCount)
	case available > 1:
		return Errorf(ECONFLICT, "the current cycle still has %d available supporters", available)
	case !touched:
		// Also what stops a double click starting two cycles when everyone
		// left is in the cool-down: the first click's new cycle is untouched.
		return Errorf(ECONFLICT, "nobody has been called or skipped in this cycle yet: a new cycle would change nothing")
	}
	return nil
}

// beginNextCycle is R8.3 in one statement. Every part reads the rows as they
// were before it, so the audit records the skips it expires.
var beginNextCycle = `
	WITH frozen AS (
		INSERT INTO session_cycles (session_id, cycle, started_at, ended_at, calls_attempted, contacts_made,
			answered, no_answer, busy, failed, not_logged, talk_seconds)
		SELECT s.id, s.cycle, s.cycle_started_at, greatest(@now, s.cycle_started_at), st.calls_attempted, st.contacts_made,
			st.answered, st.no_answer, st.busy, st.failed, st.not_logged, st.talk_seconds
		FROM calling_sessions s CROSS JOIN LATERAL (` + currentCycleStatsSQL + `) st
		WHERE s.id = @session
	), expired AS (
		INSERT INTO skip_audit (session_id, supporter_id, action, skip_type, skip_until, reason, actor_id, at)
		SELECT ss.session_id, ss.supporter_id, 'expire', ss.skip_type, ss.skip_until, ss.skip_reason, NULL, @now
		FROM session_supporters ss
		WHERE ss.session_id = @session AND ss.skip_type = 'cycle'
	), cleared AS (
		UPDATE session_supporters ss SET attempted = false,
			skip_type = nullif(ss.skip_type, 'cycle'),
			skip_until = CASE WHEN ss.skip_type = 'cycle' THEN NULL ELSE ss.skip_until END,
			skip_reason = CASE WHEN ss.skip_type = 'cycle' THEN NULL ELSE ss.skip_reason END,
			skipped_by = CASE WHEN ss.skip_type = 'cycle' THEN NULL ELSE ss.skipped_by END,
			skipped_at = CASE WHEN ss.skip_type = 'cycle' THEN NULL ELSE ss.skipped_at END
		WHERE ss.session_id = @session AND (ss.attempted OR ss.skip_type = 'cycle')
	)
	UPDATE calling_sessions SET cycle = cycle + 1, cycle_started_at = @now, last_activity_at = @now
	WHERE id = @session`
