package queue

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// SkipType is how long a leader skip holds a supporter out of a session's
// queue (R6). Timed skips return the supporter by themselves; "cycle" ends
// when a new cycle starts; "remove" never ends, only Remove skip undoes it.
type SkipType string

// The skip types of the "Skip for…" menu, as the schema's skip_type spells them.
const (
	Skip15Minutes SkipType = "15m"
	Skip30Minutes SkipType = "30m"
	Skip1Hour     SkipType = "1h"
	Skip2Hours    SkipType = "2h"
	SkipToday     SkipType = "today"  // until the start of the next day, leader's time
	SkipDate      SkipType = "date"   // until the start of a date, leader's time
	SkipCycle     SkipType = "cycle"  // until a new cycle starts
	SkipRemove    SkipType = "remove" // for good; a reason is required
)

// Limits of a skip.
const (
	MaxSkipReasonLen = 500
	// MaxSkipAhead bounds a custom date: further out is almost surely a typo.
	MaxSkipAhead = 2 // years
)

// ParseSkipType reads a skip type. EINVALID (field "type") if unknown.
func ParseSkipType(raw string) (SkipType, error) {
	t := SkipType(strings.TrimSpace(raw))
	if t.Label() == "" {
		return "", FieldErrorf("type", "%q is not a skip type (15m, 30m, 1h, 2h, today, date, cycle, remove)", raw)
	}
	return t, nil
}

// Label is the type as the panel's "Skip for…" menu writes it; "" for an
// unknown type.
func (t SkipType) Label() string {
	switch t {
	case Skip15Minutes:
		return "15 minutes"
	case Skip30Minutes:
		return "30 minutes"
	case Skip1Hour:
		return "1 hour"
	case Skip2Hours:
		return "2 hours"
	case SkipToday:
		return "Today"
	case SkipDate:
		return "Custom date"
	case SkipCycle:
		return "This cycle"
	case SkipRemove:
		return "Remove from this session"
	}
	return ""
}

// Duration is how long a quick skip lasts; 0 for the other types.
func (t SkipType) Duration() time.Duration {
	return map[SkipType]time.Duration{
		Skip15Minutes: 15 * time.Minute, Skip30Minutes: 30 * time.Minute, Skip1Hour: time.Hour, Skip2Hours: 2 * time.Hour,
	}[t]
}

// SkipInput is a leader's skip as the panel or the keypad sends it.
type SkipInput struct {
	Type   SkipType
	Date   string // YYYY-MM-DD, for a custom date only
	Reason string // required for "remove", optional otherwise
	// DoNotCall, with "remove", also puts the supporter's number on the
	// organisation's do-not-call list (R7.4): they asked not to be contacted.
	DoNotCall bool
}

// Skip takes a supporter out of a session's queue until the skip type
// returns them (R6): quick skips after their duration, "today" at the next
// midnight and "date" at the start of that date, both in the session
// leader's timezone (whoever skips), "cycle" when a new cycle starts,
// "remove" never. A skip replaces any earlier skip of the supporter, is
// audited (R6.2) and makes a Not started session Started (R2.5). The
// supporter keeps their place in the queue (R6.1).
//
// R6.4: a supporter on a live call in this session cannot be skipped; the
// phone flow ends the call first, and in wrap-up any skip works (the
// keypad's 9 is "remove" with reason "wrong number").
//
// Who may: see sessionFor. EINVALID naming the field for an unknown type
// ("type"), a missing, past, unreadable or far-off date ("date"), a reason
// missing for "remove" or over 500 characters ("reason"), DoNotCall without
// "remove" ("do_not_call"); ENOTFOUND for a session of another organisation
// or a supporter not in the session ("supporter_id"); EFORBIDDEN; ECONFLICT
// if the supporter is on a call in this session or already contacted.
func (s *Store) Skip(ctx context.Context, actor User, sessionID, supporterID int64, in SkipInput) (SupporterSkip, error) {
	if _, err := ParseSkipType(string(in.Type)); err != nil {
		return SupporterSkip{}, err
	}
	reason, err := skipReason(in)
	if err != nil {
		return SupporterSkip{}, err
	}
	sess, err := s.sessionFor(ctx, actor, sessionID)
	if err != nil {
		return SupporterSkip{}, err
	}
	leader, err := s.User(ctx, actor.OrganisationID, sess.LeaderID)
	if err != nil {
		return SupporterSkip{}, err
	}
	now := s.clock.Now()
	until, err := skipUntil(in, leader.Timezone, now)
	if err != nil {
		return SupporterSkip{}, err
	}
	k := SupporterSkip{Kind: SkipKindLeader, Type: in.Type, Until: until, Reason: reason,
		By: actor.ID, ByName: fullName(actor), At: now, Timezone: leader.Timezone}
	err = s.inTx(ctx, "skip supporter", func(tx pgx.Tx) error {
		if err := lockSessionSupporter(ctx, tx, actor.OrganisationID, sessionID, supporterID); err != nil {
			return err
		}
		var completed, onCall bool
		err := tx.QueryRow(ctx, skipSupporter, pgx.NamedArgs{
			"org": actor.OrganisationID, "session": sessionID, "supporter": supporterID, "type": in.Type, "until": until,
			"reason": reason, "actor": actor.ID, "now": now, "do_not_call": in.DoNotCall,
		}).Scan(&completed, &onCall)
		switch {
		case err != nil:
			return err
		case completed:
			return Errorf(ECONFLICT, "this supporter is already contacted")
		case onCall:
			return Errorf(ECONFLICT, "this supporter is on a call now; skip them when the call ends")
		}
		return nil
	})
	if err != nil {
		return SupporterSkip{}, err
	}
	return k, nil
}

func fullName(u User) string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// notInSession is ENOTFOUND for a supporter the session does not have.
func notInSession() error {
	return &Error{Code: ENOTFOUND, Field: "supporter_id", Message: "supporter not found in this session"}
}

// skipReason checks the reason against the type and returns it trimmed.
func skipReason(in SkipInput) (string, error) {
	reason := strings.TrimSpace(in.Reason)
	switch {
	case in.Type == SkipRemove && reason == "":
		return "", FieldErrorf("reason", "is required to remove a supporter from the session")
	case utf8.RuneCountInString(reason) > MaxSkipReasonLen:
		return "", FieldErrorf("reason", "must be at most %d characters", MaxSkipReasonLen)
	case in.DoNotCall && in.Type != SkipRemove:
		return "", FieldErrorf("do_not_call", "only a removal can add the number to the do-not-call list")
	}
	return reason, nil
}

// skipUntil is when a skip of in.Type made at now returns the supporter, or
// nil if it does not by itself. Days are counted on the leader's calendar
// with time.Date, so a day on which the clocks change is 23 or 25 hours long
// and "today" still ends at local midnight.
func skipUntil(in SkipInput, timezone string, now time.Time) (*time.Time, error) {
	if in.Type != SkipDate && in.Date != "" {
		return nil, FieldErrorf("date", "is only for a custom date skip")
	}
	if d := in.Type.Duration(); d > 0 {
		until := now.Add(d)
		return &until, nil
	}
	loc, err := LoadLocation(timezone)
	if err != nil {
		return nil, Internal("leader timezone", err)
	}
	switch in.Type {
	case SkipToday:
		y, m, d := now.In(loc).Date()
		until := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		return &until, nil
	case SkipDate:
		date, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Date))
		if err != nil {
			return nil, FieldErrorf("date", "%q is not a date (YYYY-MM-DD)", in.Date)
		}
		until := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
		switch {
		case !until.After(now):
			return nil, FieldErrorf("date", "%s has already begun in %s: pick a later date", in.Date, timezone)
		case until.After(now.AddDate(MaxSkipAhead, 0, 0)):
			return nil, FieldErrorf("date", "must be within %d years", MaxSkipAhead)
		}
		return &until, nil
	}
	return nil, nil // "cycle" and "remove"
}

// lockSessionSupporter locks the supporter's row of the session, after a
// key-share lock on the session. Prioritise locks the session first and
// then its rows; taking the locks in the same order keeps a skip from
// deadlocking with it, while claims (which only update the session row) go
// on. Statements after it see any call that was being claimed.
// ENOTFOUND unless the session is the organisation's and the supporter is
// on its list.
func lockSessionSupporter(ctx context.Context, tx pgx.Tx, orgID, sessionID, supporterID int64) error {
	tag, err := tx.Exec(ctx, `SELECT FROM calling_sessions WHERE organisation_id = $1 AND id = $2 FOR KEY SHARE`,
		orgID, sessionID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return Errorf(ENOTFOUND, "session not found")
	}
	tag, err = tx.Exec(ctx, `SELECT FROM session_supporters
		WHERE session_id = $1 AND supporter_id = $2 AND on_list FOR UPDATE`, sessionID, supporterID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notInSession()
	}
	return nil
}

// skipSupporter replaces the supporter's skip, audits it, lists the number
// as do-not-call when asked, and marks the session started, unless the
// supporter is contacted or on a live call of this session (R6.4): then it
// only says which.
const skipSupporter = `
	WITH target AS (
		SELECT ss.session_id, ss.supporter_id, ss.completed_at IS NOT NULL AS completed,
			EXISTS (SELECT FROM call_records c WHERE c.session_id = ss.session_id
				AND c.supporter_id = ss.supporter_id AND c.leg = 'supporter' AND c.state <> 'ended') AS on_call
		FROM session_supporters ss JOIN calling_sessions s ON s.id = ss.session_id
		WHERE s.organisation_id = @org AND ss.session_id = @session AND ss.supporter_id = @supporter
	), skipped AS (
		UPDATE session_supporters ss SET skip_type = @type, skip_until = @until, skip_reason = nullif(@reason, ''),
			skipped_by = @actor, skipped_at = @now
		FROM target
		WHERE ss.session_id = target.session_id AND ss.supporter_id = target.supporter_id
			AND NOT target.completed AND NOT target.on_call
		RETURNING ss.session_id, ss.supporter_id, ss.skip_type, ss.skip_until, ss.skip_reason
	), audited AS (
		INSERT INTO skip_audit (session_id, supporter_id, action, skip_type, skip_until, reason, actor_id, at)
		SELECT session_id, supporter_id, 'skip', skip_type, skip_until, skip_reason, @actor, @now FROM skipped
	), do_not_call AS (
		INSERT INTO do_not_call (organisation_id, phone, reason, added_at)
		SELECT sp.organisation_id, sp.phone, skipped.skip_reason, @now
		FROM skipped JOIN supporters sp ON sp.id = skipped.supporter_id
		WHERE @do_not_call AND skipped.skip_type = 'remove' AND sp.phone IS NOT NULL
		ON CONFLICT (organisation_id, phone) DO NOTHING
	), started AS (
		UPDATE calling_sessions SET started_at = coalesce(started_at, @now), last_activity_at = @now
		WHERE id = @session AND EXISTS (SELECT FROM skipped)
	)
	SELECT completed, on_call FROM target`

// Unskip is Remove skip (R6.3): it ends the supporter's leader skip at
// once, whatever its type, and audits it (R6.2). The supporter returns to
// their place in the queue (R6.1). System skips (R7) cannot be removed.
// A do-not-call entry made by the removal stays: it is the organisation's.
//
// Who may: see sessionFor. ENOTFOUND for a session of another organisation
// or a supporter not in the session ("supporter_id"); EFORBIDDEN; ECONFLICT
// if no leader skip holds the supporter, naming the system skip if one does.
func (s *Store) Unskip(ctx context.Context, actor User, sessionID, supporterID int64) error {
	if _, err := s.sessionFor(ctx, actor, sessionID); err != nil {
		return err
	}
	now := s.clock.Now()
	return s.inTx(ctx, "unskip supporter", func(tx pgx.Tx) error {
		if err := lockSessionSupporter(ctx, tx, actor.OrganisationID, sessionID, supporterID); err != nil {
			return err
		}
		var unskipped bool
		system := SupporterSkip{Kind: SkipKindSystem}
		err := tx.QueryRow(ctx, unskipSupporter, pgx.NamedArgs{
			"org": actor.OrganisationID, "session": sessionID, "supporter": supporterID, "actor": actor.ID, "now": now,
		}).Scan(&unskipped, &system.SystemReason, &system.Until, &system.Timezone)
		switch {
		case err != nil:
			return err
		case unskipped:
			return nil
		case system.SystemReason != "":
			return Errorf(ECONFLICT, "this is a system skip (%s); it cannot be removed", system.Describe(now))
		}
		return Errorf(ECONFLICT, "this supporter is not skipped")
	})
}

// unskipSupporter clears an active leader skip and audits what it cleared;
// without one it reports the system skip holding the supporter, if any.
const unskipSupporter = `
	WITH target AS (
		SELECT ss.session_id, ss.supporter_id, ss.skip_type, ss.skip_until, ss.skip_reason,
			` + leaderSkipActiveSQL + ` AS leader_skip,
			coalesce(` + systemSkipSQL + `, '') AS system_skip, ` + systemSkipUntilSQL + ` AS system_until,
			sp.timezone
		FROM calling_sessions s
		JOIN organisations o ON o.id = s.organisation_id
		JOIN session_supporters ss ON ss.session_id = s.id
		JOIN supporters sp ON sp.id = ss.supporter_id
		WHERE s.organisation_id = @org AND s.id = @session AND ss.supporter_id = @supporter
	), unskipped AS (
		UPDATE session_supporters ss SET skip_type = NULL, skip_until = NULL, skip_reason = NULL,
			skipped_by = NULL, skipped_at = NULL
		FROM target
		WHERE ss.session_id = target.session_id AND ss.supporter_id = target.supporter_id AND target.leader_skip
	), audited AS (
		INSERT INTO skip_audit (session_id, supporter_id, action, skip_type, skip_until, reason, actor_id, at)
		SELECT session_id, supporter_id, 'unskip', skip_type, skip_until, skip_reason, @actor, @now
		FROM target WHERE leader_skip
	), touched AS (
		UPDATE calling_sessions SET last_activity_at = @now
		WHERE id = @session AND EXISTS (SELECT FROM target WHERE leader_skip)
	)
	SELECT leader_skip, system_skip, system_until, timezone FROM target`

// SkipAction is what an audit row records.
type SkipAction string

// The actions of the skip audit.
const (
	SkipActionSkip   SkipAction = "skip"
	SkipActionUnskip SkipAction = "unskip"
	SkipActionExpire SkipAction = "expire" // by the server, e.g. "cycle" skips at a new cycle
)

// SkipAuditEntry is one row of a supporter's skip audit in a session
// (R6.2): who did what, when, and the type, end and reason of the skip set
// or removed. Entries are never changed nor deleted.
type SkipAuditEntry struct {
	ID        int64
	Action    SkipAction
	Type      SkipType
	Until     *time.Time
	Reason    string
	ActorID   int64 // 0 when the server expired the skip
	ActorName string
	At        time.Time
}

// skipAuditEntries selects SkipAuditEntry columns (scanDest's order) from
// a session's audit, aliased s (the session) and a (the audit).
const skipAuditEntries = `a.id, a.action, a.skip_type, a.skip_until, coalesce(a.reason, ''), coalesce(a.actor_id, 0),
		coalesce(trim(u.first_name || ' ' || u.last_name), ''), a.at
	FROM calling_sessions s
	JOIN skip_audit a ON a.session_id = s.id
	LEFT JOIN users u ON u.id = a.actor_id`

// scanDest is where a row of skipAuditEntries goes.
func (e *SkipAuditEntry) scanDest() []any {
	return []any{&e.ID, &e.Action, &e.Type, &e.Until, &e.Reason, &e.ActorID, &e.ActorName, &e.At}
}

// SkipAudit returns the supporter's skip audit in the session, oldest
// first. ENOTFOUND (field "supporter_id") unless the organisation's session
// has (or had) the supporter.
func (s *Store) SkipAudit(ctx context.Context, orgID, sessionID, supporterID int64) ([]SkipAuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+skipAuditEntries+`
		WHERE s.organisation_id = $1 AND s.id = $2 AND a.supporter_id = $3
		ORDER BY a.id`, orgID, sessionID, supporterID)
	if err != nil {
		return nil, Internal("read skip audit", err)
	}
	entries, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SkipAuditEntry, error) {
		var e SkipAuditEntry
		err := row.Scan(e.scanDest()...)
		return e, err
	})
	if err != nil {
		return nil, Internal("read skip audit", err)
	}
	if len(entries) == 0 {
		// Nothing audited: tell an empty trail from a supporter not there.
		var found bool
		err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM session_supporters ss
			JOIN calling_sessions s ON s.id = ss.session_id
			WHERE s.organisation_id = $1 AND ss.session_id = $2 AND ss.supporter_id = $3)`,
			orgID, sessionID, supporterID).Scan(&found)
		if err != nil {
			return nil, Internal("read skip audit", err)
		}
		if !found {
			return nil, notInSession()
		}
	}
	return entries, nil
}
