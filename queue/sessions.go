package queue

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// SessionSummary is one row of the Calling Sessions index (R2.4): the
// session with its list, its leader and its progress (R3.1).
type SessionSummary struct {
	Session
	ListName   string
	LeaderName string
	Completed  int // supporters marked contacted
	Total      int // supporters on the list
}

// Cursor is where the page after this row begins: pass it as
// SessionFilter.After.
func (ss SessionSummary) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(
		strconv.FormatInt(ss.LastActivityAt.UnixMicro(), 10) + "/" + strconv.FormatInt(ss.ID, 10)))
}

// SessionsView is a filter of the index, as its tabs name them.
type SessionsView string

// The filters of the index; "" shows every session.
const (
	SessionsActive    SessionsView = "active"    // In Progress
	SessionsPaused    SessionsView = "paused"    // Not started or Started
	SessionsCompleted SessionsView = "completed" // Completed
)

// statuses are the session statuses each filter shows.
func (v SessionsView) statuses() ([]string, bool) {
	switch v {
	case "":
		return []string{string(StatusNotStarted), string(StatusStarted), string(StatusInProgress), string(StatusCompleted)}, true
	case SessionsActive:
		return []string{string(StatusInProgress)}, true
	case SessionsPaused:
		return []string{string(StatusNotStarted), string(StatusStarted)}, true
	case SessionsCompleted:
		return []string{string(StatusCompleted)}, true
	}
	return nil, false
}

// MaxSessionsPage bounds one page of the index.
const MaxSessionsPage = 500

// SessionFilter selects a page of the index. After is the Cursor of the
// last row of the previous page, "" for the first.
type SessionFilter struct {
	View   SessionsView
	ListID int64 // when not 0, only the sessions on this list (its Calling Sessions tab)
	After  string
	Limit  int // 0 means MaxSessionsPage
}

// Sessions returns the sessions the actor may see (R2.4), most recent
// activity first: an admin every session of the organisation; anyone else
// the sessions on lists of the groups where they have a role, and their
// own. Roles are read afresh, so a role taken away hides its sessions at
// once. Each row carries its status as Session computes it (R2.5).
//
// EINVALID naming the field for an unknown filter ("view"), a limit outside
// 1-500 ("limit") or a cursor that is not one ("after").
func (s *Store) Sessions(ctx context.Context, actor User, f SessionFilter) ([]SessionSummary, error) {
	statuses, ok := f.View.statuses()
	if !ok {
		return nil, FieldErrorf("view", "%q is not one of active, paused, completed", f.View)
	}
	limit := f.Limit
	if limit == 0 {
		limit = MaxSessionsPage
	}
	if limit < 1 || limit > MaxSessionsPage {
		return nil, FieldErrorf("limit", "must be between 1 and %d", MaxSessionsPage)
	}
	args := pgx.NamedArgs{"org": actor.OrganisationID, "actor": actor.ID, "statuses": statuses,
		"list": f.ListID, "limit": limit, "now": s.clock.Now()}
	sql := strings.Replace(visibleSessions, "AFTER", "", 1)
	if f.After != "" {
		at, id, err := decodeSessionsCursor(f.After)
		if err != nil {
			return nil, err
		}
		args["after_at"], args["after_id"] = at, id
		sql = strings.Replace(visibleSessions, "AFTER",
			"AND (s.last_activity_at, s.id) < (@after_at::timestamptz, @after_id::bigint)", 1)
	}
	rows, err := s.pool.Query(ctx, sql, args)
	if err != nil {
		return nil, Internal("list sessions", err)
	}
	summaries, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SessionSummary, error) {
		var ss SessionSummary
		err := row.Scan(&ss.ID, &ss.OrganisationID, &ss.GroupID, &ss.ListID, &ss.LeaderID, &ss.Name, &ss.Cycle,
			&ss.CycleStartedAt, &ss.StartedAt, &ss.LastActivityAt, &ss.CreatedAt, &ss.Status,
			&ss.ListName, &ss.LeaderName, &ss.Completed, &ss.Total)
		return ss, err
	})
	return summaries, Internal("list sessions", err)
}

// visibleSessions computes each visible session's status once and keeps
// those of the filter; progress is the counts each session row keeps
// (migration 0006). AFTER stands for the keyset condition of a later page.
var visibleSessions = `
	WITH visible AS MATERIALIZED (
		SELECT ` + sessionColumns + `, s.completed_count, s.on_list_count, ` + sessionStatusSQL + ` AS status
		FROM calling_sessions s
		JOIN organisations o ON o.id = s.organisation_id
		JOIN users me ON me.organisation_id = s.organisation_id AND me.id = @actor
		WHERE s.organisation_id = @org AND (me.admin OR s.leader_id = me.id
			OR EXISTS (SELECT FROM group_roles r WHERE r.user_id = me.id AND r.group_id = s.group_id))
			AND (@list::bigint = 0 OR s.list_id = @list::bigint)
			AFTER
	), page AS (
		SELECT * FROM visible WHERE status = ANY (@statuses::text[])
		ORDER BY last_activity_at DESC, id DESC
		LIMIT @limit
	)
	SELECT s.id, s.organisation_id, s.group_id, s.list_id, s.leader_id, s.name, s.cycle,
		s.cycle_started_at, s.started_at, s.last_activity_at, s.created_at, s.status,
		l.name, trim(leader.first_name || ' ' || leader.last_name), s.completed_count, s.on_list_count
	FROM page s
	JOIN call_lists l ON l.id = s.list_id
	JOIN users leader ON leader.id = s.leader_id
	ORDER BY s.last_activity_at DESC, s.id DESC`

func decodeSessionsCursor(cursor string) (time.Time, int64, error) {
	bad := FieldErrorf("after", "is not a cursor this index gave")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return time.Time{}, 0, bad
	}
	at, id, ok := strings.Cut(string(raw), "/")
	if !ok {
		return time.Time{}, 0, bad
	}
	micros, err1 := strconv.ParseInt(at, 10, 64)
	sessionID, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || sessionID < 1 {
		return time.Time{}, 0, bad
	}
	return time.UnixMicro(micros), sessionID, nil
}
