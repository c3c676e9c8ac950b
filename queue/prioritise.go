package queue

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// Prioritise moves a supporter to the place immediately after the session's
// current "next to call" (R8.1). Two prioritises in a row both land right
// after next, the later one first: each means "call this one next after
// the current next". With nobody available, the supporter goes to the front.
// A skipped or unavailable supporter keeps the new place and is called when
// they return; everyone else keeps their order.
//
// Who may: the session's leader, an admin, a captain or vice-captain of the
// group. ENOTFOUND (field "supporter_id") if the supporter is not in the
// session; ECONFLICT if they are already next or already contacted.
func (s *Store) Prioritise(ctx context.Context, actor User, sessionID, supporterID int64) error {
	if _, err := s.sessionFor(ctx, actor, sessionID); err != nil {
		return err
	}
	return s.inTx(ctx, "prioritise", func(tx pgx.Tx) error {
		// One prioritise at a time per session, so two never pick the same
		// gap. An advisory lock, not a lock on the session row: claims update
		// that row while holding queue rows, and must never wait on us.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, -sessionID); err != nil {
			return err
		}
		args := pgx.NamedArgs{"org": actor.OrganisationID, "session": sessionID, "supporter": supporterID, "now": s.clock.Now()}
		var completed, isNext, moved bool
		err := tx.QueryRow(ctx, movePrioritised, args).Scan(&completed, &isNext, &moved)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return &Error{Code: ENOTFOUND, Field: "supporter_id", Message: "supporter not found in this session"}
		case err != nil:
			return err
		case completed:
			return Errorf(ECONFLICT, "this supporter is already contacted")
		case isNext:
			return Errorf(ECONFLICT, "this supporter is already next in the queue")
		case !moved:
			// The gap after next could not be split any finer: space the
			// queue out again, keeping its order, and place them once more.
			if _, err := tx.Exec(ctx, respaceQueue, sessionID); err != nil {
				return err
			}
			return tx.QueryRow(ctx, movePrioritised, args).Scan(&completed, &isNext, &moved)
		}
		return nil
	})
}

// movePrioritised places the supporter halfway between next and whoever
// follows next, in one statement, and reports why it did not when it did not.
var movePrioritised = `
	WITH target AS (
		SELECT ss.supporter_id, ss.completed_at IS NOT NULL AS completed
		FROM session_supporters ss JOIN calling_sessions s ON s.id = ss.session_id
		WHERE s.organisation_id = @org AND ss.session_id = @session AND ss.supporter_id = @supporter AND ss.on_list
	), next AS (` + nextToCallSQL + `
	), after_next AS (
		SELECT min(ss.sort_key) AS sort_key FROM session_supporters ss, next
		WHERE ss.session_id = @session AND ss.sort_key > next.sort_key AND ss.supporter_id <> @supporter
	), place AS (
		SELECT CASE
			WHEN NOT EXISTS (SELECT FROM next)
				THEN (SELECT min(sort_key) - 1 FROM session_supporters WHERE session_id = @session)
			WHEN (SELECT sort_key FROM after_next) IS NULL THEN (SELECT sort_key + 1 FROM next)
			ELSE (SELECT next.sort_key + (after_next.sort_key - next.sort_key) / 2 FROM next, after_next)
		END AS sort_key
	), moved AS (
		UPDATE session_supporters ss SET sort_key = place.sort_key
		FROM target, place
		WHERE ss.session_id = @session AND ss.supporter_id = target.supporter_id
			AND NOT target.completed
			AND target.supporter_id IS DISTINCT FROM (SELECT supporter_id FROM next)
			AND place.sort_key <> coalesce((SELECT sort_key FROM next), place.sort_key + 1)
			AND place.sort_key <> coalesce((SELECT sort_key FROM after_next), place.sort_key + 1)
		RETURNING 1
	)
	SELECT target.completed,
		target.supporter_id IS NOT DISTINCT FROM (SELECT supporter_id FROM next),
		EXISTS (SELECT FROM moved)
	FROM target`

// respaceQueue renumbers a session's queue 1, 2, 3… in its current order.
const respaceQueue = `
	UPDATE session_supporters ss SET sort_key = ordered.n
	FROM (SELECT supporter_id, row_number() OVER (ORDER BY sort_key, supporter_id) AS n
		FROM session_supporters WHERE session_id = $1) ordered
	WHERE ss.session_id = $1 AND ss.supporter_id = ordered.supporter_id`
