package queue

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CallStats are the figures of a session's calls, for the whole session
// (the impact panel, R3.2) or for one cycle (the calling journey, R3.4).
// They are defined once, in callStatsSQL:
//
//   - CallsAttempted: supporter legs dialled, i.e. every supporter leg but
//     those the server refused to dial (R10.4);
//   - ContactsMade: contact logs that say "contacted";
//   - Answered, NoAnswer, Busy: supporter legs by outcome; Failed counts
//     failed and rejected legs;
//   - NotLogged: answered supporter legs with no contact logged for them;
//   - TalkSeconds: the answered time of supporter legs;
//   - RSVPYes, RSVPNo, RSVPMaybe: the RSVPs logged, only meaningful when the
//     list is tied to an event.
//
// A call cut before any outcome counts as attempted, under no outcome.
type CallStats struct {
	CallsAttempted int
	ContactsMade   int
	Answered       int
	NoAnswer       int
	Busy           int
	Failed         int
	NotLogged      int
	TalkSeconds    int64
	RSVPYes        int
	RSVPNo         int
	RSVPMaybe      int
}

// TalkTime is TalkSeconds as a duration.
func (cs CallStats) TalkTime() time.Duration { return time.Duration(cs.TalkSeconds) * time.Second }

// CycleStats is one completed cycle of the calling journey (R3.4): its
// figures as they were frozen when the next cycle started (R8.3).
type CycleStats struct {
	Cycle     int
	StartedAt time.Time
	EndedAt   time.Time
	CallStats
}

// Progress is the progress bar (R3.1): supporters marked contacted out of
// all supporters on the list, across every cycle. Removed supporters are
// counted apart and are not progress.
type Progress struct {
	Completed int
	Total     int
	Removed   int
}

// CycleAction is the one button the current cycle card offers (R3.3).
type CycleAction string

// The buttons of the current cycle card.
const (
	CycleActionStart    CycleAction = "start"     // Start calling session: nobody called or skipped yet
	CycleActionResume   CycleAction = "resume"    // Resume calling session: supporters are available
	CycleActionNewCycle CycleAction = "new_cycle" // Start a new cycle: the cycle is complete
)

// Label is the button as the card writes it.
func (a CycleAction) Label() string {
	switch a {
	case CycleActionStart:
		return "Start calling session"
	case CycleActionResume:
		return "Resume calling session"
	case CycleActionNewCycle:
		return "Start a new cycle"
	}
	return string(a)
}

// MaxAvailableCount is as far as the current cycle card counts available
// supporters. Each is checked against every rule (calling hours in their
// timezone, cool-down, do-not-call…), so counting all of a 100,000-member
// list on every refresh would cost more than the whole rest of the
// dashboard; past this the card says "500+".
const MaxAvailableCount = 500

// CurrentCycle is the current cycle card (R3.3).
type CurrentCycle struct {
	Number    int
	StartedAt time.Time
	// Available is how many supporters may be dialled now, counted up to
	// MaxAvailableCount; MoreAvailable says there are more than that.
	Available     int
	MoreAvailable bool
	Action        CycleAction
}

// SessionStats is the dashboard of a session (R3.1-R3.3, R9.1).
type SessionStats struct {
	SessionID int64
	Progress  Progress
	Impact    CallStats // every cycle
	HasEvent  bool      // the list is tied to an event: show the RSVPs
	Current   CurrentCycle
}

// callStatsSQL defines CallStats for the session aliased s, over the calls
// and logs of the cycle given by the SQL expression cycle ("NULL" for every
// cycle).
func callStatsSQL(cycle string) string {
	return strings.ReplaceAll(`
	SELECT legs.calls_attempted, logs.contacts_made, legs.answered, legs.no_answer, legs.busy, legs.failed,
		legs.not_logged, legs.talk_seconds, logs.rsvp_yes, logs.rsvp_no, logs.rsvp_maybe
	FROM (
		SELECT count(*) FILTER (WHERE c.outcome IS DISTINCT FROM 'refused') AS calls_attempted,
			count(*) FILTER (WHERE c.outcome = 'answered') AS answered,
			count(*) FILTER (WHERE c.outcome = 'no_answer') AS no_answer,
			count(*) FILTER (WHERE c.outcome = 'busy') AS busy,
			count(*) FILTER (WHERE c.outcome IN ('failed', 'rejected')) AS failed,
			count(*) FILTER (WHERE c.outcome = 'answered'
				AND NOT EXISTS (SELECT FROM contacts k WHERE k.call_id = c.id)) AS not_logged,
			coalesce(sum(c.duration_seconds), 0) AS talk_seconds
		FROM call_records c
		WHERE c.session_id = s.id AND c.leg = 'supporter' AND (CYCLE IS NULL OR c.cycle = CYCLE)
	) legs, (
		SELECT count(*) FILTER (WHERE k.contacted) AS contacts_made,
			count(*) FILTER (WHERE k.rsvp = 'yes') AS rsvp_yes,
			count(*) FILTER (WHERE k.rsvp = 'no') AS rsvp_no,
			count(*) FILTER (WHERE k.rsvp = 'maybe') AS rsvp_maybe
		FROM contacts k
		WHERE k.session_id = s.id AND (CYCLE IS NULL OR k.cycle = CYCLE)
	) logs`, "CYCLE", cycle)
}

var (
	sessionStatsSQL      = callStatsSQL("NULL::integer")
	currentCycleStatsSQL = callStatsSQL("s.cycle")
)

// countAvailable counts the session s's available supporters, up to
// @count_to. It walks the rows still pending this cycle and asks
// availableSupporters about each one: the planner cannot estimate how many
// pass the system skip rules, and when it guesses few it checks all 100,000
// supporters before counting; asked row by row (OFFSET 0 keeps the EXISTS
// from being turned into a join) it stops at the limit. The pending rows
// are read by the claim index (not held) and the index of held rows (whose
// hold has ended; rows still held are in their cool-down), migration 0005.
var countAvailable = `
	SELECT count(*) FROM (
		SELECT FROM (
			(SELECT FROM session_supporters q
			WHERE q.session_id = s.id AND ` + pendingAvailableSQL + ` AND q.held_until IS NULL
			LIMIT @count_to)
			UNION ALL
			(SELECT FROM session_supporters q
			WHERE q.session_id = s.id AND ` + pendingAvailableSQL + ` AND q.held_until <= @now
			LIMIT @count_to)
		) pending
		LIMIT @count_to) a`

// pendingAvailableSQL: the queue row q is pending and its supporter
// available.
var pendingAvailableSQL = strings.ReplaceAll(pendingSQL, "ss.", "q.") + `
	AND EXISTS (` + availableSupporters + ` AND ss.supporter_id = q.supporter_id OFFSET 0)`

func callStatsDest(cs *CallStats) []any {
	return []any{&cs.CallsAttempted, &cs.ContactsMade, &cs.Answered, &cs.NoAnswer, &cs.Busy, &cs.Failed,
		&cs.NotLogged, &cs.TalkSeconds, &cs.RSVPYes, &cs.RSVPNo, &cs.RSVPMaybe}
}

// SessionStats returns the dashboard figures of a session: progress (the
// counts its row keeps, migration 0006), impact across all cycles and the
// current cycle card, in one round trip.
// ENOTFOUND if the organisation has no such session.
func (s *Store) SessionStats(ctx context.Context, orgID, sessionID int64) (SessionStats, error) {
	st := SessionStats{SessionID: sessionID}
	var started bool
	dest := append([]any{&st.Current.Number, &st.Current.StartedAt, &started, &st.HasEvent,
		&st.Progress.Total, &st.Progress.Completed, &st.Progress.Removed, &st.Current.Available},
		callStatsDest(&st.Impact)...)
	err := s.pool.QueryRow(ctx, `
		SELECT s.cycle, s.cycle_started_at, s.started_at IS NOT NULL, l.event_id IS NOT NULL,
			s.on_list_count, s.completed_count, s.removed_count,
			(`+countAvailable+`),
			st.*
		FROM calling_sessions s
		JOIN organisations o ON o.id = s.organisation_id
		JOIN call_lists l ON l.id = s.list_id
		CROSS JOIN LATERAL (`+sessionStatsSQL+`) st
		WHERE s.organisation_id = @org AND s.id = @session`,
		pgx.NamedArgs{"org": orgID, "session": sessionID, "now": s.clock.Now(), "count_to": MaxAvailableCount + 1}).Scan(dest...)
	if err != nil {
		return SessionStats{}, Internal("session stats", notFound(err, "session"))
	}
	if st.Current.Available > MaxAvailableCount {
		st.Current.Available, st.Current.MoreAvailable = MaxAvailableCount, true
	}
	st.Current.Action = cycleAction(started, st.Current.Available)
	return st, nil
}

// cycleAction picks the card's button. A session nobody has called or
// skipped in is Not started whatever the clock says, so it offers Start
// even when nobody may be dialled at this hour.
func cycleAction(started bool, available int) CycleAction {
	switch {
	case !started:
		return CycleActionStart
	case available == 0:
		return CycleActionNewCycle
	}
	return CycleActionResume
}

// Journey returns the session's completed cycles, oldest first, each with
// the stats frozen when it ended (R3.4). The current cycle is not in it.
// ENOTFOUND if the organisation has no such session.
//
// The RSVP counts are read from the cycle's contact logs: session_cycles
// has no columns to freeze them in yet.
func (s *Store) Journey(ctx context.Context, orgID, sessionID int64) ([]CycleStats, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT sc.cycle, sc.started_at, sc.ended_at, sc.calls_attempted, sc.contacts_made, sc.answered,
			sc.no_answer, sc.busy, sc.failed, sc.not_logged, sc.talk_seconds, live.rsvp_yes, live.rsvp_no, live.rsvp_maybe
		FROM calling_sessions s
		JOIN session_cycles sc ON sc.session_id = s.id
		CROSS JOIN LATERAL (`+callStatsSQL("sc.cycle")+`) live
		WHERE s.organisation_id = $1 AND s.id = $2
		ORDER BY sc.cycle`, orgID, sessionID)
	if err != nil {
		return nil, Internal("calling journey", err)
	}
	cycles, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CycleStats, error) {
		var c CycleStats
		err := row.Scan(append([]any{&c.Cycle, &c.StartedAt, &c.EndedAt}, callStatsDest(&c.CallStats)...)...)
		return c, err
	})
	if err != nil {
		return nil, Internal("calling journey", err)
	}
	if len(cycles) == 0 {
		return nil, s.checkSession(ctx, orgID, sessionID)
	}
	return cycles, nil
}
