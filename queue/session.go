package queue

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Session is one leader's calling session on one call list (R2). There is
// at most one per leader and list: starting again resumes it (R2.3). Its
// queue is the list's members in the order they joined, moved by prioritise
// (R8.1), kept in step with the list as it changes (R8.4). A session works
// in cycles (R8.2): each available supporter is dialled at most once per
// cycle. Its Status is never stored: it is read from the calls, skips and
// queue each time (R2.5).
type Session struct {
	ID             int64
	OrganisationID int64
	GroupID        int64
	ListID         int64
	LeaderID       int64
	Name           string
	Cycle          int
	CycleStartedAt time.Time
	StartedAt      *time.Time // first call or skip; nil while Not started
	LastActivityAt time.Time
	CreatedAt      time.Time
	Status         SessionStatus
	// PauseReason says why the leader's last phone call ended without them
	// hanging up (no key pressed after the greeting: a voicemail answered);
	// "" otherwise, and after the next Start or Resume.
	PauseReason string
}

// SessionStatus is what the Calling Sessions index shows (R2.5).
type SessionStatus string

// The statuses of a session.
const (
	StatusNotStarted SessionStatus = "not_started" // no supporter called or skipped yet
	StatusStarted    SessionStatus = "started"     // at least one, no call live, supporters left
	StatusInProgress SessionStatus = "in_progress" // the leader's phone is live right now
	StatusCompleted  SessionStatus = "completed"   // the current cycle has no available supporter
)

// Label is the status as the panel writes it.
func (st SessionStatus) Label() string {
	switch st {
	case StatusNotStarted:
		return "Not started"
	case StatusStarted:
		return "Started"
	case StatusInProgress:
		return "In Progress"
	case StatusCompleted:
		return "Completed"
	}
	return string(st)
}

// MaxSessionNameLen bounds a session's name (R2.1).
const MaxSessionNameLen = 200

// DefaultSessionName is "<leader first name> - <list name>" (R2.1), cut to
// the longest name allowed.
func DefaultSessionName(leader User, list List) string {
	name := leader.FirstName + " - " + list.Name
	for utf8.RuneCountInString(name) > MaxSessionNameLen {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

func normaliseSessionName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxSessionNameLen {
		return "", FieldErrorf("name", "must be 1-%d characters", MaxSessionNameLen)
	}
	return name, nil
}

// StartSession creates the leader's session on a list, or returns the one
// they already have (created false): one per leader and list, also under
// concurrent requests (R2.3). An empty name means the default name. The new
// session's queue holds the list's current members in order.
//
// EFORBIDDEN unless the leader may lead on the list's group (R1.2);
// EINVALID (field "mobile") if the leader has no mobile number (R2.2);
// ENOTFOUND if the list is not the leader's organisation's.
func (s *Store) StartSession(ctx context.Context, leader User, listID int64, name string) (Session, bool, error) {
	list, err := s.List(ctx, leader.OrganisationID, listID)
	if err != nil {
		return Session{}, false, err
	}
	if !leader.CanLead(list.GroupID) {
		return Session{}, false, Errorf(EFORBIDDEN, "only admins, captains and vice-captains of the group may run sessions on this list")
	}
	if leader.Mobile == "" {
		return Session{}, false, errNoMobile
	}
	if strings.TrimSpace(name) == "" {
		name = DefaultSessionName(leader, list)
	}
	if name, err = normaliseSessionName(name); err != nil {
		return Session{}, false, err
	}
	var id int64
	created := false
	err = s.inTx(ctx, "start session", func(tx pgx.Tx) error {
		// The update lock on the list orders this copy with live sync: see
		// sync_sessions_with_list in the schema.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM call_lists WHERE id = $1 FOR UPDATE`, list.ID); err != nil {
			return err
		}
		now := s.clock.Now()
		err := tx.QueryRow(ctx, `
			INSERT INTO calling_sessions (organisation_id, group_id, list_id, leader_id, name,
				cycle_started_at, last_activity_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
			ON CONFLICT (leader_id, list_id) DO NOTHING
			RETURNING id`, list.OrganisationID, list.GroupID, list.ID, leader.ID, name, now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return tx.QueryRow(ctx, `SELECT id FROM calling_sessions WHERE leader_id = $1 AND list_id = $2`,
				leader.ID, list.ID).Scan(&id)
		}
		if err != nil {
			return err
		}
		created = true
		_, err = tx.Exec(ctx, `
			INSERT INTO session_supporters (session_id, supporter_id, sort_key)
			SELECT $1, m.supporter_id, m.position FROM list_members m
			WHERE m.list_id = $2 AND m.removed_at IS NULL`, id, list.ID)
		return err
	})
	if err != nil {
		return Session{}, false, err
	}
	sess, err := s.Session(ctx, leader.OrganisationID, id)
	return sess, created, err
}

const sessionColumns = `s.id, s.organisation_id, s.group_id, s.list_id, s.leader_id, s.name, s.cycle,
	s.cycle_started_at, s.started_at, s.last_activity_at, s.created_at, coalesce(s.pause_reason, '')`

// sessionStatusSQL computes R2.5 for the session aliased s, at @now.
const sessionStatusSQL = `CASE
	WHEN EXISTS (SELECT FROM call_records c WHERE c.session_id = s.id AND c.leg = 'leader' AND c.state <> 'ended')
		THEN 'in_progress'
	WHEN s.started_at IS NULL THEN 'not_started'
	WHEN NOT EXISTS (` + availableSupporters + ` LIMIT 1) THEN 'completed'
	ELSE 'started' END`

func scanSession(row pgx.Row) (Session, error) {
	var ss Session
	err := row.Scan(&ss.ID, &ss.OrganisationID, &ss.GroupID, &ss.ListID, &ss.LeaderID, &ss.Name, &ss.Cycle,
		&ss.CycleStartedAt, &ss.StartedAt, &ss.LastActivityAt, &ss.CreatedAt, &ss.PauseReason, &ss.Status)
	return ss, err
}

// Session returns a session of the organisation with its current status.
// ENOTFOUND if the organisation has no such session.
func (s *Store) Session(ctx context.Context, orgID, id int64) (Session, error) {
	ss, err := scanSession(s.pool.QueryRow(ctx, `
		SELECT `+sessionColumns+`, `+sessionStatusSQL+`
		FROM calling_sessions s JOIN organisations o ON o.id = s.organisation_id
		WHERE s.organisation_id = @org AND s.id = @session`,
		pgx.NamedArgs{"org": orgID, "session": id, "now": s.clock.Now()}))
	if err != nil {
		return Session{}, Internal("find session", notFound(err, "session"))
	}
	return ss, nil
}

// RenameSession changes a session's name. Who may: see mayRun.
func (s *Store) RenameSession(ctx context.Context, actor User, sessionID int64, name string) (Session, error) {
	name, err := normaliseSessionName(name)
	if err != nil {
		return Session{}, err
	}
	if _, err := s.sessionFor(ctx, actor, sessionID); err != nil {
		return Session{}, err
	}
	_, err = s.pool.Exec(ctx, `UPDATE calling_sessions SET name = $3 WHERE organisation_id = $1 AND id = $2`,
		actor.OrganisationID, sessionID, name)
	if err != nil {
		return Session{}, Internal("rename session", err)
	}
	return s.Session(ctx, actor.OrganisationID, sessionID)
}

// sessionFor returns the session if actor may run it: its leader, an admin,
// or a captain or vice-captain of its group. ENOTFOUND for a session of
// another organisation, EFORBIDDEN for one of theirs they may not run.
func (s *Store) sessionFor(ctx context.Context, actor User, sessionID int64) (Session, error) {
	sess, err := s.Session(ctx, actor.OrganisationID, sessionID)
	if err != nil {
		return Session{}, err
	}
	if !actor.CanRun(sess) {
		return Session{}, Errorf(EFORBIDDEN, "you may not change this session")
	}
	return sess, nil
}

// errNoMobile: a session rings its leader's mobile (R4.1).
var errNoMobile = &Error{Code: EINVALID, Field: "mobile", Message: "save a mobile number in Edit My Profile first: sessions ring it"}

// checkSession returns ENOTFOUND unless the organisation has the session,
// without computing its status.
func (s *Store) checkSession(ctx context.Context, orgID, sessionID int64) error {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT id FROM calling_sessions WHERE organisation_id = $1 AND id = $2`,
		orgID, sessionID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Errorf(ENOTFOUND, "session not found")
	}
	return Internal("find session", err)
}
