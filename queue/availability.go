package queue

// The rules that decide who may be dialled now, written once as SQL
// fragments and shared by claim-next, the supporters view, the stats and
// the session status, so they can never disagree. They expect the aliases
// s (calling_sessions), o (organisations), ss (session_supporters) and sp
// (supporters), and the named argument @now.

// pendingSQL: still to be dialled this cycle, as far as the session's own
// state goes (R5.2, R6, R8.2, R8.4). With held_until IS NULL it is the
// predicate of the index session_supporters_claimable, which claim-next
// walks (migration 0005).
const pendingSQL = `ss.on_list AND NOT ss.attempted AND ss.completed_at IS NULL
	AND (ss.skip_type IS NULL OR ss.skip_type NOT IN ('cycle', 'remove'))`

// leaderSkipActiveSQL: a leader skip holds the supporter out right now (R6).
const leaderSkipActiveSQL = `(ss.skip_type IS NOT NULL AND (ss.skip_until IS NULL OR ss.skip_until > @now))`

// System skip reasons (R7), the first that applies, in this order.
const (
	SystemSkipInvalidNumber  = "invalid_number"               // R7.5
	SystemSkipNotAllowed     = "outside_allowed_destinations" // R7.5, R10.4
	SystemSkipRefusedNumber  = "refused_number"               // R7.5, R10.4: the dial guard refused it
	SystemSkipDoNotCall      = "do_not_call"                  // R7.4
	SystemSkipOnCall         = "on_a_call"                    // R7.2
	SystemSkipRecentlyCalled = "recently_called"              // R7.1
	SystemSkipCallingHours   = "calling_hours"                // R7.3
)

// recentlyCalledSQL: the supporter's last counted call ended within the
// organisation's cool-down (R7.1).
const recentlyCalledSQL = `sp.last_call_at > @now::timestamptz - o.cooldown`

// localTimeSQL is the supporter's wall-clock time of day at @now.
const localTimeSQL = `((@now::timestamptz AT TIME ZONE sp.timezone)::time)`

// systemSkipSQL names the system skip holding the supporter out at @now,
// or is NULL.
const systemSkipSQL = `(CASE
	WHEN sp.phone IS NULL THEN 'invalid_number'
	WHEN NOT (sp.phone ^@ ANY (o.allowed_prefixes)) THEN 'outside_allowed_destinations'
	WHEN sp.undiallable IS NOT NULL THEN 'refused_number'
	WHEN EXISTS (SELECT FROM do_not_call d WHERE d.organisation_id = sp.organisation_id AND d.phone = sp.phone)
		THEN 'do_not_call'
	WHEN sp.live_call_id IS NOT NULL THEN 'on_a_call'
	WHEN ` + recentlyCalledSQL + ` THEN 'recently_called'
	WHEN NOT (` + localTimeSQL + ` >= o.calling_window_start AND ` + localTimeSQL + ` < o.calling_window_end)
		THEN 'calling_hours'
	END)`

// systemSkipUntilSQL is when the system skip ends by itself, if it does:
// the end of the cool-down, or the next opening of the calling window in
// the supporter's timezone.
const systemSkipUntilSQL = `(CASE ` + systemSkipSQL + `
	WHEN 'recently_called' THEN sp.last_call_at + o.cooldown
	WHEN 'calling_hours' THEN
		((date_trunc('day', @now::timestamptz AT TIME ZONE sp.timezone)
			+ CASE WHEN ` + localTimeSQL + ` >= o.calling_window_start THEN interval '1 day' ELSE interval '0' END
			+ o.calling_window_start) AT TIME ZONE sp.timezone)
	END)`

// cheapBlocksSQL repeats the system skips that other sessions' calls cause
// as plain column tests. The planner runs cheap conditions first, so a claim
// walking past supporters that other sessions of the list just called pays
// two column reads each, not the whole CASE with its do-not-call probe.
const cheapBlocksSQL = `sp.live_call_id IS NULL AND (sp.last_call_at IS NULL OR sp.last_call_at <= @now::timestamptz - o.cooldown)`

// availableSQL: the supporter may be dialled now.
const availableSQL = pendingSQL + ` AND NOT ` + leaderSkipActiveSQL + ` AND ` + cheapBlocksSQL + ` AND ` + systemSkipSQL + ` IS NULL`

// nextToCallSQL selects the session's "next to call" (R8.1), its first
// available supporter in queue order, as supporter_id and sort_key. It
// takes the first of two index walks: the rows claim-next walks (no hold,
// migration 0005), and the held rows whose hold has ended (few: the next
// claim releases them). Rows still held are in their cool-down.
const nextToCallSQL = `
	SELECT supporter_id, sort_key FROM (
		(SELECT ss.supporter_id, ss.sort_key ` + sessionQueueSQL + availableSQL + `
			AND ss.held_until IS NULL` + firstInQueueSQL + `)
		UNION ALL
		(SELECT ss.supporter_id, ss.sort_key ` + sessionQueueSQL + availableSQL + `
			AND ss.held_until <= @now
			-- Sorted after the fetch (+ 0), so the planner reads the few held
			-- rows by their index instead of walking the whole queue in order
			-- hoping to meet one soon.
			ORDER BY ss.sort_key + 0
			LIMIT 1)
	) candidates
	ORDER BY sort_key
	LIMIT 1`

// claimableSQL completes a SELECT of columns of s, ss and sp with the first
// available supporter of the session in the claim index: past no row held
// in a cool-down (migration 0005), and only when no hold has ended, so that
// it is nextToCallSQL's supporter. It expects a CTE due whose column ended
// says some hold of the session has ended. Claim-next adds FOR UPDATE …
// SKIP LOCKED to take them.
const claimableSQL = sessionQueueSQL + availableSQL + `
	AND ss.held_until IS NULL AND NOT (SELECT ended FROM due)` + firstInQueueSQL

const sessionQueueSQL = `
	FROM calling_sessions s
	JOIN organisations o ON o.id = s.organisation_id
	JOIN session_supporters ss ON ss.session_id = s.id
	JOIN supporters sp ON sp.id = ss.supporter_id
	WHERE s.organisation_id = @org AND s.id = @session AND `

const firstInQueueSQL = `
	ORDER BY ss.sort_key
	LIMIT 1`

// availableSupporters selects the session s's available supporters; callers
// add ORDER BY and LIMIT.
const availableSupporters = `SELECT ss.supporter_id FROM session_supporters ss
	JOIN supporters sp ON sp.id = ss.supporter_id
	WHERE ss.session_id = s.id AND ` + availableSQL
