package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// SkipKind says who set a skip: a leader (R6) or the server (R7).
type SkipKind string

// The kinds of skip. Both show the Skipped badge; only leader skips can be
// removed.
const (
	SkipKindLeader SkipKind = "leader"
	SkipKindSystem SkipKind = "system"
)

// SupporterSkip is what holds a supporter out of a session's queue now, as
// the Skipped badge's tooltip tells it. Leader skips carry their type, who
// set them, when and why; system skips their reason code (SystemSkip…).
// Until is when it ends by itself, nil if it does not.
type SupporterSkip struct {
	Kind         SkipKind
	Type         SkipType // leader skips
	Reason       string   // the leader's reason, if any
	SystemReason string   // system skips: a SystemSkip… code
	Until        *time.Time
	By           int64 // the user who skipped
	ByName       string
	At           time.Time
	// Timezone the tooltip tells times in: the session leader's for leader
	// skips (their days), the supporter's for system skips (their hours).
	Timezone string
}

// systemSkipText is each system reason as the tooltip words it.
var systemSkipText = map[string]string{
	SystemSkipInvalidNumber:  "invalid phone number",
	SystemSkipNotAllowed:     "number not allowed (outside the allowed destinations)",
	SystemSkipRefusedNumber:  "number refused by the dialling guard (premium rate or not allowed)",
	SystemSkipDoNotCall:      "on the do-not-call list",
	SystemSkipOnCall:         "on a call in another session",
	SystemSkipRecentlyCalled: "recently called",
	SystemSkipCallingHours:   "outside calling hours",
}

// Describe is the tooltip at now: "recently called, retry in 18 minutes",
// "outside calling hours (opens 09:00 their time)", "Skipped for 15 minutes by Ana —
// returns in 12 minutes", "Removed from this session: wrong number".
func (k SupporterSkip) Describe(now time.Time) string {
	loc, err := LoadLocation(k.Timezone)
	if err != nil {
		loc = time.UTC
	}
	if k.Kind == SkipKindSystem {
		text, ok := systemSkipText[k.SystemReason]
		switch {
		case !ok:
			return k.SystemReason
		case k.Until != nil && k.SystemReason == SystemSkipCallingHours:
			return text + " (opens " + k.Until.In(loc).Format("15:04") + " their time)"
		case k.Until != nil:
			return text + ", retry " + timeLeft(*k.Until, now)
		}
		return text
	}
	by := k.ByName
	if by == "" {
		by = fmt.Sprintf("user %d", k.By)
	}
	var text string
	switch {
	case k.Type == SkipRemove:
		return "Removed from this session: " + k.Reason
	case k.Type == SkipCycle || k.Until == nil:
		text = "Skipped for this cycle by " + by + " — returns when a new cycle starts"
	case k.Type == SkipDate:
		text = "Skipped until " + k.Until.In(loc).Format("Mon 2 Jan 2006") + " by " + by + " — returns " + timeLeft(*k.Until, now)
	default:
		text = "Skipped for " + strings.ToLower(k.Type.Label()) + " by " + by + " — returns " + timeLeft(*k.Until, now)
	}
	if k.Reason != "" {
		text += ": " + k.Reason
	}
	return text
}

// timeLeft is "in 12 minutes", "in 5 hours", "in 3 days", rounded up so a
// supporter never comes back earlier than the tooltip says.
func timeLeft(until, now time.Time) string {
	d := until.Sub(now)
	unit, size := "minute", time.Minute
	switch {
	case d <= 0:
		return "now"
	case d > 48*time.Hour:
		unit, size = "day", 24*time.Hour
	case d > 90*time.Minute:
		unit, size = "hour", time.Hour
	}
	n := (d + size - 1) / size
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("in %d %s", n, unit)
}

// SkipOf returns the skip holding the supporter out of the session now: the
// leader skip if one is active, else the system skip if any; ok is false
// when neither holds them. It does not look at whether they are contacted
// or attempted this cycle. ENOTFOUND (field "supporter_id") unless the
// organisation's session has the supporter.
func (s *Store) SkipOf(ctx context.Context, orgID, sessionID, supporterID int64) (SupporterSkip, bool, error) {
	leader, system := SupporterSkip{Kind: SkipKindLeader}, SupporterSkip{Kind: SkipKindSystem}
	var active bool
	var at *time.Time
	err := s.pool.QueryRow(ctx, skipHolding, pgx.NamedArgs{
		"org": orgID, "session": sessionID, "supporter": supporterID, "now": s.clock.Now(),
	}).Scan(&active, &leader.Type, &leader.Until, &leader.Reason, &leader.By, &leader.ByName, &at, &leader.Timezone,
		&system.SystemReason, &system.Until, &system.Timezone)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return SupporterSkip{}, false, notInSession()
	case err != nil:
		return SupporterSkip{}, false, Internal("find skip", err)
	case active:
		leader.At = *at
		return leader, true, nil
	case system.SystemReason != "":
		return system, true, nil
	}
	return SupporterSkip{}, false, nil
}

// skipHolding reads the supporter's leader skip and whether it is active,
// and the system skip at @now.
const skipHolding = `
	SELECT ` + leaderSkipActiveSQL + `, coalesce(ss.skip_type::text, ''), ss.skip_until,
		coalesce(ss.skip_reason, ''), coalesce(ss.skipped_by, 0),
		coalesce(trim(u.first_name || ' ' || u.last_name), ''), ss.skipped_at,
		coalesce(leader.timezone, o.timezone),
		coalesce(` + systemSkipSQL + `, ''), ` + systemSkipUntilSQL + `, sp.timezone
	FROM calling_sessions s
	JOIN organisations o ON o.id = s.organisation_id
	JOIN users leader ON leader.id = s.leader_id
	JOIN session_supporters ss ON ss.session_id = s.id
	JOIN supporters sp ON sp.id = ss.supporter_id
	LEFT JOIN users u ON u.id = ss.skipped_by
	WHERE s.organisation_id = @org AND s.id = @session AND ss.supporter_id = @supporter`
