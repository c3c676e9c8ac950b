package queue

import (
	"context"
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// SupporterStatus is a supporter's badge in a session's View all
// supporters sheet (R3.5).
type SupporterStatus string

// The statuses of a supporter in a session. A supporter attempted in this
// cycle is unavailable even while a system skip (the cool-down) runs: they
// are not called again this cycle either way. A leader skip, removal
// included, shows as skipped whether or not they were attempted.
const (
	SupporterAvailable   SupporterStatus = "available"   // may be dialled now
	SupporterSkipped     SupporterStatus = "skipped"     // a leader skip (R6) or a system skip (R7) holds them out
	SupporterUnavailable SupporterStatus = "unavailable" // attempted in this cycle, not contacted
	SupporterCompleted   SupporterStatus = "completed"   // marked contacted in this session
)

// Valid reports whether st is one of the statuses.
func (st SupporterStatus) Valid() bool {
	switch st {
	case SupporterAvailable, SupporterSkipped, SupporterUnavailable, SupporterCompleted:
		return true
	}
	return false
}

// SessionSupporter is one row of the View all supporters sheet: the
// supporter, their status with the skip holding them out when skipped, and
// what the row's three-dot menu may offer.
type SessionSupporter struct {
	Supporter
	Status      SupporterStatus
	Skip        *SupporterSkip // when Status is skipped
	CompletedAt *time.Time     // when they were marked contacted
	Next        bool           // the supporter the session calls next
	// CanPrioritise: Prioritise is greyed out for the supporter already
	// next and for completed supporters (R8.1).
	CanPrioritise bool
}

// Paging of the sheet.
const (
	DefaultSupportersPageSize = 50
	MaxSupportersPageSize     = 200
	MaxSupporterSearchLen     = 200
)

// SupporterQuery selects a page of the sheet. Status "" means every
// status. Search matches a substring of the name, case-insensitively, or,
// when it is written like a phone number, the digits of the number. After
// is the NextCursor of the previous page, "" for the first.
type SupporterQuery struct {
	Status   SupporterStatus
	Search   string
	PageSize int // 0 means DefaultSupportersPageSize
	After    string
}

// SupporterPage is one page of the sheet, in queue order. NextCursor is ""
// on the last page.
type SupporterPage struct {
	Supporters []SessionSupporter
	NextCursor string
}

// SessionSupporters returns a page of the supporters on the session's list
// in queue order, each with its status (R3.5). A page never counts the
// queue: it walks the queue's order index from the cursor and stops one row
// after the page, so it costs the same at the start and deep in. A search
// that matches few supporters is served from the supporters' side instead.
//
// ENOTFOUND if the organisation has no such session; EINVALID naming the
// field for an unknown status ("status"), a page size outside 1-200
// ("page_size"), a search too long ("search") or a cursor that is not one
// ("after").
func (s *Store) SessionSupporters(ctx context.Context, orgID, sessionID int64, q SupporterQuery) (SupporterPage, error) {
	sql, args, size, err := supportersQuery(q)
	if err != nil {
		return SupporterPage{}, err
	}
	args["org"], args["session"], args["now"] = orgID, sessionID, s.clock.Now()
	rows, err := s.pool.Query(ctx, sql, args)
	if err != nil {
		return SupporterPage{}, Internal("session supporters", err)
	}
	var keys []string
	page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SessionSupporter, error) {
		r, key, err := scanSessionSupporter(row)
		keys = append(keys, key)
		return r, err
	})
	if err != nil {
		return SupporterPage{}, Internal("session supporters", err)
	}
	if len(page) == 0 {
		return SupporterPage{}, s.checkSession(ctx, orgID, sessionID)
	}
	if len(page) <= size {
		return SupporterPage{Supporters: page}, nil
	}
	last := page[size-1]
	return SupporterPage{Supporters: page[:size], NextCursor: encodeCursor(keys[size-1], last.ID)}, nil
}

// supporterStatusSQL is the row's SupporterStatus. Available comes from
// availableSQL itself, so the sheet and claim-next never disagree.
const supporterStatusSQL = `(CASE
	WHEN ss.completed_at IS NOT NULL THEN 'completed'
	WHEN ` + leaderSkipActiveSQL + ` THEN 'skipped'
	WHEN ss.attempted THEN 'unavailable'
	WHEN ` + availableSQL + ` THEN 'available'
	ELSE 'skipped' END)`

// statusPrefilter narrows the rows by the queue row alone before the status
// is computed, so a page filtered by a rare status skips the supporters
// join for most rows. Each is implied by supporterStatusSQL.
var statusPrefilter = map[SupporterStatus]string{
	SupporterAvailable:   pendingSQL,
	SupporterSkipped:     `ss.completed_at IS NULL`,
	SupporterUnavailable: `ss.completed_at IS NULL AND ss.attempted`,
	SupporterCompleted:   `ss.completed_at IS NOT NULL`,
}

// sessionSupportersPage reads the page; supportersQuery adds the filters
// where FILTERS stands.
var sessionSupportersPage = `
	WITH next AS (` + nextToCallSQL + `)
	SELECT ` + supporterColumnsSP + `, ss.sort_key::text, st.status, ss.completed_at,
		coalesce(ss.supporter_id = (SELECT supporter_id FROM next), false),
		` + leaderSkipActiveSQL + `, coalesce(ss.skip_type::text, ''), ss.skip_until, coalesce(ss.skip_reason, ''),
		coalesce(ss.skipped_by, 0), coalesce(trim(u.first_name || ' ' || u.last_name), ''), ss.skipped_at,
		coalesce(leader.timezone, o.timezone),
		coalesce(` + systemSkipSQL + `, ''), ` + systemSkipUntilSQL + `
	FROM calling_sessions s
	JOIN organisations o ON o.id = s.organisation_id
	JOIN users leader ON leader.id = s.leader_id
	JOIN session_supporters ss ON ss.session_id = s.id
	JOIN supporters sp ON sp.id = ss.supporter_id
	LEFT JOIN users u ON u.id = ss.skipped_by
	CROSS JOIN LATERAL (SELECT ` + supporterStatusSQL + ` AS status) st
	WHERE s.organisation_id = @org AND s.id = @session AND ss.session_id = @session AND ss.on_list FILTERS
	ORDER BY ss.sort_key, ss.supporter_id
	LIMIT @limit`

// A search by name matches the full name, ignoring case; a search by number
// the number's key (its E.164 form, or the digits of an invalid number)
// without the trunk zero, so "07700 900123" finds +447700900123. Both are
// LIKE patterns, so trigram indexes on these expressions can serve them.
const (
	searchByName  = `(sp.first_name || ' ' || sp.last_name) ILIKE @pattern`
	searchByPhone = `sp.phone_key LIKE @pattern`
)

// supporterSearch turns a search for supporters (aliased sp) into a
// filter, searchByName or searchByPhone, and its @pattern; "" for a blank
// search. EINVALID (field "search") when it is too long.
func supporterSearch(raw string) (filter, pattern string, err error) {
	search := strings.TrimSpace(raw)
	switch {
	case utf8.RuneCountInString(search) > MaxSupporterSearchLen:
		return "", "", FieldErrorf("search", "must be at most %d characters", MaxSupporterSearchLen)
	case phoneLike.MatchString(search) && strings.Trim(searchDigits(search), "0") != "":
		// A number written the national way loses its trunk zero in E.164.
		return searchByPhone, "%" + strings.TrimLeft(searchDigits(search), "0") + "%", nil
	case search != "":
		return searchByName, "%" + likeEscaper.Replace(search) + "%", nil
	}
	return "", "", nil
}

// phoneLike is a search written like a phone number.
var phoneLike = regexp.MustCompile(`^[+\d][\d\s().-]*$`)

// supportersQuery checks q and builds the statement, its arguments and the
// page size.
func supportersQuery(q SupporterQuery) (string, pgx.NamedArgs, int, error) {
	size := q.PageSize
	if size == 0 {
		size = DefaultSupportersPageSize
	}
	if size < 1 || size > MaxSupportersPageSize {
		return "", nil, 0, FieldErrorf("page_size", "must be between 1 and %d", MaxSupportersPageSize)
	}
	args := pgx.NamedArgs{"limit": size + 1}
	var filters []string
	if q.Status != "" {
		if !q.Status.Valid() {
			return "", nil, 0, FieldErrorf("status", "%q is not one of available, skipped, unavailable, completed", q.Status)
		}
		filters = append(filters, statusPrefilter[q.Status], "st.status = @status")
		args["status"] = string(q.Status)
	}
	filter, pattern, err := supporterSearch(q.Search)
	if err != nil {
		return "", nil, 0, err
	}
	if filter != "" {
		filters = append(filters, filter)
		args["pattern"] = pattern
	}
	if q.After != "" {
		key, id, err := decodeCursor(q.After)
		if err != nil {
			return "", nil, 0, err
		}
		filters = append(filters, `(ss.sort_key, ss.supporter_id) > (@after_key::numeric, @after_id::bigint)`)
		args["after_key"], args["after_id"] = key, id
	}
	where := ""
	for _, f := range filters {
		where += " AND " + f
	}
	return strings.Replace(sessionSupportersPage, "FILTERS", where, 1), args, size, nil
}

// likeEscaper quotes LIKE's wildcards with LIKE's escape character, \.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func searchDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func scanSessionSupporter(row pgx.Row) (SessionSupporter, string, error) {
	var r SessionSupporter
	var key string
	var leaderActive bool
	leader, system := SupporterSkip{Kind: SkipKindLeader}, SupporterSkip{Kind: SkipKindSystem}
	var skippedAt *time.Time
	var err error
	r.Supporter, err = scanSupporter(row, &key, &r.Status, &r.CompletedAt, &r.Next,
		&leaderActive, &leader.Type, &leader.Until, &leader.Reason, &leader.By, &leader.ByName, &skippedAt, &leader.Timezone,
		&system.SystemReason, &system.Until)
	if err != nil {
		return r, key, err
	}
	system.Timezone = r.Timezone
	switch {
	case r.Status != SupporterSkipped:
	case leaderActive:
		leader.At = *skippedAt
		r.Skip = &leader
	default:
		r.Skip = &system
	}
	r.CanPrioritise = r.Status != SupporterCompleted && !r.Next
	return r, key, nil
}

// The cursor is the last row's place in the queue, sort key and supporter
// id, opaque to callers.
func encodeCursor(sortKey string, supporterID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sortKey + "/" + strconv.FormatInt(supporterID, 10)))
}

var sortKeyForm = regexp.MustCompile(`^-?\d{1,200}(\.\d{1,1000})?$`)

func decodeCursor(cursor string) (sortKey string, supporterID int64, err error) {
	bad := FieldErrorf("after", "is not a cursor this sheet gave")
	raw, decErr := base64.RawURLEncoding.DecodeString(cursor)
	if decErr != nil {
		return "", 0, bad
	}
	key, id, ok := strings.Cut(string(raw), "/")
	if !ok || !sortKeyForm.MatchString(key) {
		return "", 0, bad
	}
	supporterID, convErr := strconv.ParseInt(id, 10, 64)
	if convErr != nil || supporterID < 1 {
		return "", 0, bad
	}
	return key, supporterID, nil
}
