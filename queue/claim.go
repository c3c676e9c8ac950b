package queue

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Claim is a supporter taken from a session's queue and the call record of
// the attempt to ring them.
type Claim struct {
	Call      CallRecord
	Supporter Supporter
}

// claimNext takes the first available supporter in queue order, locking the
// queue row and the supporter row and skipping rows other claims hold, then
// in the same statement records the attempt (R4.6), marks the supporter on a
// call (R7.2) and attempted in this cycle (R8.2). A claim that loses a race
// for a supporter sees, when it locks the row, the winner's live_call_id and
// moves on to the next one. The unique indexes on live call records are the
// last word: no interleaving can create two live calls to one supporter.
//
// The supporters it walked past in their cool-down are held until it ends
// (held, migration 0005), so the session's next claims skip them in the
// index. When a hold of the session has ended, it claims nothing: Claim
// releases the ended holds and claims again, so that the supporter comes
// back at their place in the queue.
var claimNext = `
	WITH due AS (
		SELECT EXISTS (SELECT FROM session_supporters h WHERE h.session_id = @session AND h.held_until <= @now) AS ended
	), next AS (
		SELECT ss.supporter_id, ss.sort_key, sp.phone, s.cycle, s.leader_id ` + claimableSQL + `
		FOR UPDATE OF ss, sp SKIP LOCKED
	), call AS (
		INSERT INTO call_records (organisation_id, session_id, cycle, leg, supporter_id, leader_id, dialled_number, originated_at)
		SELECT @org, @session, next.cycle, 'supporter', next.supporter_id, next.leader_id, next.phone,
			-- Never before the supporter's previous leg ended, whatever the
			-- clock of the instance that ended it: one supporter's records
			-- never overlap in time, as their calls never do (R7.2).
			greatest(@now::timestamptz, (SELECT last.ended_at FROM call_records last
				WHERE last.supporter_id = next.supporter_id AND last.leg = 'supporter'
				ORDER BY last.originated_at DESC, last.id DESC LIMIT 1))
		FROM next
		WHERE ` + underCallCap + `
		RETURNING *
	), on_call AS (
		UPDATE supporters sp SET live_call_id = call.id FROM call WHERE sp.id = call.supporter_id
	), attempted AS (
		UPDATE session_supporters ss SET attempted = true
		FROM call WHERE ss.session_id = @session AND ss.supporter_id = call.supporter_id
	), held AS (
		UPDATE session_supporters ss SET held_until = cooling.until
		FROM (
			-- The rows this claim walked past, each with the end of its
			-- supporter's cool-down, if they are in one. The supporter is read
			-- row by row (the walk is short), and the LIMIT keeps the planner
			-- from hashing the whole supporters table; a longer walk is held
			-- by the claims that follow.
			SELECT w.supporter_id, (SELECT sp.last_call_at + o.cooldown FROM supporters sp, organisations o
				WHERE sp.id = w.supporter_id AND o.id = @org
					AND sp.live_call_id IS NULL AND ` + recentlyCalledSQL + `) AS until
			FROM session_supporters w
			WHERE w.session_id = @session AND ` + strings.ReplaceAll(pendingSQL, "ss.", "w.") + `
				AND w.held_until IS NULL AND NOT (SELECT ended FROM due)
				AND w.sort_key < coalesce((SELECT sort_key FROM next), 'Infinity')
			ORDER BY w.sort_key
			LIMIT 1000
		) cooling
		WHERE cooling.until IS NOT NULL AND ss.session_id = @session AND ss.supporter_id = cooling.supporter_id
	), touched AS (
		-- Marks the session for the announcer (queue and call, migration
		-- 0003) in this write; the triggers skip it (migration 0005). Holds
		-- change nothing a dashboard shows.
		UPDATE calling_sessions SET started_at = coalesce(started_at, @now), last_activity_at = @now,
			unannounced = unannounced | 3
		WHERE id = @session AND EXISTS (SELECT FROM call)
	)
	SELECT ` + supporterColumnsSP + `, ` + callColumns + `
	FROM call c JOIN supporters sp ON sp.id = c.supporter_id`

// releaseEndedHolds puts the session's supporters whose cool-down has ended
// back in the claim index, in their place in the queue.
const releaseEndedHolds = `
	UPDATE session_supporters SET held_until = NULL WHERE session_id = @session AND held_until <= @now`

// Claim takes the next available supporter of the session and records the
// attempt to call them, atomically (one round trip). ok is false when no
// supporter is available: the cycle is complete, or everyone left is
// skipped for now. ECONFLICT if the session already has a live supporter
// leg (a double submit), or ErrCallCap (ECONFLICT) when the organisation is
// at its cap on concurrent calls; ENOTFOUND if the organisation has no such
// session.
func (s *Store) Claim(ctx context.Context, orgID, sessionID int64) (Claim, bool, error) {
	var cl Claim
	args := pgx.NamedArgs{"org": orgID, "session": sessionID} // now: each try's own
	claim := func() error {
		return retrying(ctx, func() (err error) {
			args["now"] = s.clock.Now() // a try after a wait is made now
			cl.Supporter, err = s.claimOnce(ctx, args, &cl.Call)
			return err
		})
	}
	err := claim()
	if errors.Is(err, pgx.ErrNoRows) {
		released, releaseErr := s.releaseHolds(ctx, args)
		if releaseErr != nil {
			return Claim{}, false, releaseErr
		}
		if released {
			err = claim()
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		if err := s.checkSession(ctx, orgID, sessionID); err != nil {
			return Claim{}, false, err
		}
		return Claim{}, false, s.checkCallCap(ctx, args)
	}
	if err != nil {
		return Claim{}, false, Internal("claim next supporter", constraintError(err, map[string]*Error{
			"call_records_one_live_supporter_leg_per_session": ErrSupporterLegLive,
			"call_records_one_live_call_per_supporter":        {Code: ECONFLICT, Message: "the supporter is already on a call"},
		}))
	}
	return cl, true, nil
}

// underCallCap: the organisation's live supporter legs are below its cap on
// concurrent calls (R10.4). Claims racing at the cap's edge each count the
// others' uncommitted calls as absent, so the cap can be passed by the
// claims in flight at that instant (at most one per session); serialising
// every claim of an organisation to close that gap would cost every call
// more than the overshoot is worth.
const underCallCap = `(SELECT count(*) FROM call_records live
	WHERE live.organisation_id = @org AND live.state <> 'ended' AND live.leg = 'supporter')
	< (SELECT max_concurrent_calls FROM organisations WHERE id = @org)`

// ErrSupporterLegLive is returned by Claim when the session still has a
// live supporter leg: one at a time per session (R4.2). The phone flow
// ends a record it no longer holds (its end could not be written) and
// claims again.
var ErrSupporterLegLive = &Error{Code: ECONFLICT, Message: "a supporter is already being called in this session"}

// ErrCallCap is returned by Claim when the organisation is at its cap on
// concurrent calls: the leader can try again in a moment.
var ErrCallCap = &Error{Code: ECONFLICT, Field: "max_concurrent_calls",
	Message: "all of the organisation's lines are busy; try again in a moment"}

// checkCallCap tells an empty claim due to the call cap from one with no
// supporter available.
func (s *Store) checkCallCap(ctx context.Context, args pgx.NamedArgs) error {
	var under bool
	if err := s.pool.QueryRow(ctx, `SELECT `+underCallCap, args).Scan(&under); err != nil {
		return Internal("check call cap", err)
	}
	if !under {
		return ErrCallCap
	}
	return nil
}

// releaseHolds releases the session's ended holds and reports whether
// there were any.
func (s *Store) releaseHolds(ctx context.Context, args pgx.NamedArgs) (bool, error) {
	var tag pgconn.CommandTag
	err := retrying(ctx, func() (err error) {
		tag, err = s.pool.Exec(ctx, releaseEndedHolds, args)
		return err
	})
	if err != nil {
		return false, Internal("release ended holds", err)
	}
	return tag.RowsAffected() > 0, nil
}

// claimSettings come before claimNext in its implicit transaction. The
// statement marks its session itself (migration 0005) and changes no
// progress count (migration 0006). And it runs with the
// generic plan: the planner prices a custom plan for a big list below the
// generic one and would plan every claim afresh, which costs more than the
// claim itself; the generic plan has the same shape (walk the claim index
// in order). A claim reads a handful of rows by index, so its plan is
// nested loops only: the generic plan cannot know how far the walk goes,
// and priced the holds' join as a hash of the session's whole queue.
const claimSettings = `SELECT set_config('plan_cache_mode', 'force_generic_plan', true),
	set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
	` + markingItself + `, ` + progressUnchanged

// claimOnce runs claimNext, in one round trip.
func (s *Store) claimOnce(ctx context.Context, args pgx.NamedArgs, call *CallRecord) (Supporter, error) {
	var sp Supporter
	err := s.queryRowAfter(ctx, claimSettings, claimNext, args, func(row pgx.Row) (err error) {
		sp, err = scanSupporter(row, callScanDest(call)...)
		return err
	})
	return sp, err
}

// Next returns who would be claimed now, without claiming them. ok is false
// when no supporter is available.
func (s *Store) Next(ctx context.Context, orgID, sessionID int64) (Supporter, bool, error) {
	args := pgx.NamedArgs{"org": orgID, "session": sessionID, "now": s.clock.Now()}
	sp, err := scanSupporter(s.pool.QueryRow(ctx, `
		SELECT `+supporterColumnsSP+` FROM (`+nextToCallSQL+`) next
		JOIN supporters sp ON sp.id = next.supporter_id`, args))
	if errors.Is(err, pgx.ErrNoRows) {
		if err := s.checkSession(ctx, orgID, sessionID); err != nil {
			return Supporter{}, false, err
		}
		return Supporter{}, false, nil
	}
	if err != nil {
		return Supporter{}, false, Internal("next supporter", err)
	}
	return sp, true, nil
}

func callScanDest(c *CallRecord) []any {
	return []any{&c.ID, &c.OrganisationID, &c.SessionID, &c.Cycle, &c.Leg, &c.SupporterID, &c.LeaderID,
		&c.DialledNumber, &c.State, &c.OriginatedAt, &c.AnsweredAt, &c.EndedAt, &c.Outcome,
		&c.HangupCause, &c.HangupCauseText, &c.ChannelID, &c.Node, &c.DurationSeconds}
}

// supporterColumnsSP are supporterColumns for supporters aliased sp, as
// queries that also read sessions (aliased s) need.
var supporterColumnsSP = strings.ReplaceAll(supporterColumns, "s.", "sp.")
