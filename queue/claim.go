package queue

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
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
var claimNext = `
	WITH next AS (
		SELECT ss.supporter_id, sp.phone, s.cycle, s.leader_id ` + nextToCallSQL + `
		FOR UPDATE OF ss, sp SKIP LOCKED
	), call AS (
		INSERT INTO call_records (organisation_id, session_id, cycle, leg, supporter_id, leader_id, dialled_number, originated_at)
		SELECT @org, @session, next.cycle, 'supporter', next.supporter_id, next.leader_id, next.phone, @now FROM next
		WHERE ` + underCallCap + `
		RETURNING *
	), on_call AS (
		UPDATE supporters sp SET live_call_id = call.id FROM call WHERE sp.id = call.supporter_id
	), attempted AS (
		UPDATE session_supporters ss SET attempted = true
		FROM call WHERE ss.session_id = @session AND ss.supporter_id = call.supporter_id
	), touched AS (
		-- Marks the session for the announcer (queue and call, migration
		-- 0003) in this write, so the triggers have nothing left to write.
		UPDATE calling_sessions SET started_at = coalesce(started_at, @now), last_activity_at = @now,
			unannounced = unannounced | 3
		WHERE id = @session AND EXISTS (SELECT FROM call)
	)
	SELECT ` + supporterColumnsSP + `, ` + callColumns + `
	FROM call c JOIN supporters sp ON sp.id = c.supporter_id`

// Claim takes the next available supporter of the session and records the
// attempt to call them, atomically (one round trip). ok is false when no
// supporter is available: the cycle is complete, or everyone left is
// skipped for now. ECONFLICT if the session already has a live supporter
// leg (a double submit), or ErrCallCap (ECONFLICT) when the organisation is
// at its cap on concurrent calls; ENOTFOUND if the organisation has no such
// session.
func (s *Store) Claim(ctx context.Context, orgID, sessionID int64) (Claim, bool, error) {
	var cl Claim
	args := pgx.NamedArgs{"org": orgID, "session": sessionID, "now": s.clock.Now()}
	err := retrying(ctx, func() error {
		var err error
		cl.Supporter, err = s.claimOnce(ctx, args, &cl.Call)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		if err := s.checkSession(ctx, orgID, sessionID); err != nil {
			return Claim{}, false, err
		}
		return Claim{}, false, s.checkCallCap(ctx, args)
	}
	if err != nil {
		return Claim{}, false, Internal("claim next supporter", constraintError(err, map[string]*Error{
			"call_records_one_live_supporter_leg_per_session": {Code: ECONFLICT, Message: "a supporter is already being called in this session"},
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

// claimOnce runs claimNext with the generic plan, in one round trip. The
// planner prices a custom plan for a big list below the generic one and
// would plan every claim afresh, which costs more than the claim itself;
// the generic plan has the same shape (walk the pending index in order).
// set_config(…, true) lasts only for the batch's implicit transaction.
func (s *Store) claimOnce(ctx context.Context, args pgx.NamedArgs, call *CallRecord) (Supporter, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`)
	batch.Queue(claimNext, args)
	results := s.pool.SendBatch(ctx, batch)
	if _, err := results.Exec(); err != nil {
		results.Close()
		return Supporter{}, err
	}
	sp, err := scanSupporter(results.QueryRow(), callScanDest(call)...)
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	return sp, err
}

// Next returns who would be claimed now, without claiming them. ok is false
// when no supporter is available.
func (s *Store) Next(ctx context.Context, orgID, sessionID int64) (Supporter, bool, error) {
	sp, err := scanSupporter(s.pool.QueryRow(ctx, `
		SELECT `+supporterColumnsSP+nextToCallSQL, pgx.NamedArgs{"org": orgID, "session": sessionID, "now": s.clock.Now()}))
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
