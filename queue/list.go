package queue

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// List is a call list (R1.4): supporters of one group, in the order they
// joined, that leaders call through in sessions. Its name is 1-200
// characters and unique within the group. When tied to an event of the same
// group, contacts made from it record an RSVP (R5.1); deleting the event
// unties it. Members are added and removed one by one or in bulk; a removed
// member keeps its history row, and one added again goes to the end of the
// queue (R8.4). Lists are seen by their organisation only (R1.1).
type List struct {
	ID             int64
	OrganisationID int64
	GroupID        int64
	Name           string
	EventID        int64 // 0 when the list is not tied to an event
	CreatedAt      time.Time
	MemberCount    int // current members
}

// ListMember is a current member of a list with its place in the queue.
// Position orders the queue and pages ListMembers; it only grows.
type ListMember struct {
	Supporter
	Position int64
	AddedAt  time.Time
}

// Limits on lists: a name's length, and the ids one bulk add or remove takes
// (a list itself may be larger).
const (
	MaxListNameLen = 200
	MaxBulkMembers = 100_000
)

var listConflicts = map[string]*Error{
	"call_lists_group_id_name_key":             {Code: ECONFLICT, Field: "name", Message: "a list with this name already exists in the group"},
	"call_lists_organisation_id_group_id_fkey": {Code: ENOTFOUND, Field: "group_id", Message: "group not found"},
	"call_lists_group_id_event_id_fkey":        {Code: ENOTFOUND, Field: "event_id", Message: "no such event in the list's group"},
}

func normaliseListName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > MaxListNameLen {
		return "", FieldErrorf("name", "must be 1-%d characters", MaxListNameLen)
	}
	return name, nil
}

const listColumns = `l.id, l.organisation_id, l.group_id, l.name, coalesce(l.event_id, 0), l.created_at,
	(SELECT count(*) FROM list_members m WHERE m.list_id = l.id AND m.removed_at IS NULL)`

func scanList(row pgx.Row) (List, error) {
	var l List
	err := row.Scan(&l.ID, &l.OrganisationID, &l.GroupID, &l.Name, &l.EventID, &l.CreatedAt, &l.MemberCount)
	return l, err
}

// CreateList adds an empty call list to a group; eventID 0 ties it to no
// event. EINVALID (field "name") for a bad name, ENOTFOUND if the group is not
// the organisation's or the event (field "event_id") is not one of that
// group's, ECONFLICT (field "name") if the group has a list of that name.
func (s *Store) CreateList(ctx context.Context, orgID, groupID int64, name string, eventID int64) (List, error) {
	name, err := normaliseListName(name)
	if err != nil {
		return List{}, err
	}
	l, err := scanList(s.pool.QueryRow(ctx, `
		INSERT INTO call_lists AS l (organisation_id, group_id, name, event_id, created_at)
		VALUES ($1, $2, $3, nullif($4, 0), $5)
		RETURNING `+listColumns, orgID, groupID, name, eventID, s.clock.Now()))
	if err != nil {
		return List{}, Internal("create list", constraintError(err, listConflicts))
	}
	return l, nil
}

// UpdateList renames a list and ties it to eventID (0 for none). Errors as
// CreateList, and ENOTFOUND if the list is not the organisation's.
func (s *Store) UpdateList(ctx context.Context, orgID, listID int64, name string, eventID int64) (List, error) {
	name, err := normaliseListName(name)
	if err != nil {
		return List{}, err
	}
	l, err := scanList(s.pool.QueryRow(ctx, `
		UPDATE call_lists AS l SET name = $3, event_id = nullif($4, 0)
		WHERE l.organisation_id = $1 AND l.id = $2
		RETURNING `+listColumns, orgID, listID, name, eventID))
	if err != nil {
		return List{}, Internal("update list", notFound(constraintError(err, listConflicts), "list"))
	}
	return l, nil
}

// DeleteList removes a list and its membership history. ENOTFOUND if the list
// is not the organisation's; ECONFLICT if records that must be kept
// (sessions) refer to it.
func (s *Store) DeleteList(ctx context.Context, orgID, listID int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM call_lists WHERE organisation_id = $1 AND id = $2`, orgID, listID)
	if err != nil {
		return Internal("delete list", stillReferenced(err, "list has calling sessions"))
	}
	if tag.RowsAffected() == 0 {
		return Errorf(ENOTFOUND, "list not found")
	}
	return nil
}

// List finds a list of the organisation. ENOTFOUND if none.
func (s *Store) List(ctx context.Context, orgID, id int64) (List, error) {
	l, err := scanList(s.pool.QueryRow(ctx,
		`SELECT `+listColumns+` FROM call_lists l WHERE l.organisation_id = $1 AND l.id = $2`, orgID, id))
	if err != nil {
		return List{}, Internal("find list", notFound(err, "list"))
	}
	return l, nil
}

// ListByName finds a list of a group by name. ENOTFOUND if none.
func (s *Store) ListByName(ctx context.Context, orgID, groupID int64, name string) (List, error) {
	l, err := scanList(s.pool.QueryRow(ctx, `
		SELECT `+listColumns+` FROM call_lists l
		WHERE l.organisation_id = $1 AND l.group_id = $2 AND l.name = $3`, orgID, groupID, strings.TrimSpace(name)))
	if err != nil {
		return List{}, Internal("find list", notFound(err, "list "+name))
	}
	return l, nil
}

// Lists returns the lists of a group by name. ENOTFOUND if the group is not
// the organisation's.
func (s *Store) Lists(ctx context.Context, orgID, groupID int64) ([]List, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+listColumns+` FROM call_lists l
		WHERE l.organisation_id = $1 AND l.group_id = $2
		ORDER BY l.name`, orgID, groupID)
	if err != nil {
		return nil, Internal("list lists", err)
	}
	ls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (List, error) { return scanList(r) })
	if err != nil {
		return nil, Internal("list lists", err)
	}
	if len(ls) == 0 {
		return nil, s.checkGroup(ctx, orgID, groupID)
	}
	return ls, nil
}

// membersWanted opens the membership statements: the list if it is the
// organisation's, the supporter ids asked for (first mention wins the
// order), those that are supporters of the list's group, and the rest.
// Statements write only when the rest is empty, so bad input changes nothing.
// Every lookup goes through an index or a hash from the ids given, so the
// plan stays linear whatever the planner guesses of a new list's size.
const membersWanted = `
	WITH list AS (
		SELECT id, group_id FROM call_lists WHERE organisation_id = $1 AND id = $2
	), wanted AS (
		SELECT w.supporter_id, min(w.ord) AS ord
		FROM unnest($3::bigint[]) WITH ORDINALITY AS w(supporter_id, ord)
		GROUP BY w.supporter_id
	), known AS (
		SELECT s.id AS supporter_id FROM supporters s
		WHERE s.id = ANY($3) AND s.organisation_id = $1 AND s.group_id = (SELECT group_id FROM list)
	), unknown AS (
		SELECT supporter_id FROM wanted
		EXCEPT
		SELECT supporter_id FROM known
	)`

// membersOutcome closes them: whether the list was found, a few of the
// unknown ids for the error message, and how many rows changed.
const membersOutcome = `
	SELECT
		EXISTS (SELECT FROM list),
		(SELECT count(*) FROM unknown),
		coalesce((SELECT array_agg(supporter_id) FROM (SELECT supporter_id FROM unknown ORDER BY 1 LIMIT 5) u), '{}'),
		(SELECT count(*) FROM changed)`

// addMembers inserts new members in the order asked; a removed member comes
// back at the end, a current member is left where it is. With no unknown
// ids, every id wanted is known.
const addMembers = membersWanted + `, changed AS (
		INSERT INTO list_members AS m (group_id, list_id, supporter_id, added_at)
		SELECT list.group_id, list.id, wanted.supporter_id, $4
		FROM list, wanted
		WHERE NOT EXISTS (SELECT FROM unknown)
		ORDER BY wanted.ord
		ON CONFLICT (list_id, supporter_id) DO UPDATE
		SET removed_at = NULL, position = nextval('list_member_position'), added_at = excluded.added_at
		WHERE m.removed_at IS NOT NULL
		RETURNING 1
	)` + membersOutcome

// removeMembers marks current members removed, keeping their rows.
const removeMembers = membersWanted + `, changed AS (
		UPDATE list_members AS m SET removed_at = greatest($4, m.added_at)
		WHERE m.list_id = (SELECT id FROM list) AND m.supporter_id = ANY($3) AND m.removed_at IS NULL
			AND NOT EXISTS (SELECT FROM unknown)
		RETURNING 1
	)` + membersOutcome

// AddListMembers adds supporters to the end of a list, in the order given,
// in one statement, and returns how many joined (members already on the list
// keep their place and are not counted; removed ones come back at the end).
// ENOTFOUND if the list is not the organisation's, or (field
// "supporter_ids") if any id is not a supporter of the list's group: then
// nobody is added.
func (s *Store) AddListMembers(ctx context.Context, orgID, listID int64, supporterIDs []int64) (int, error) {
	return s.changeMembers(ctx, "add list members", addMembers, orgID, listID, supporterIDs)
}

// RemoveListMembers takes supporters off a list, keeping the history of their
// membership, and returns how many were removed (non-members are not
// counted). Errors as AddListMembers; on error nobody is removed.
func (s *Store) RemoveListMembers(ctx context.Context, orgID, listID int64, supporterIDs []int64) (int, error) {
	return s.changeMembers(ctx, "remove list members", removeMembers, orgID, listID, supporterIDs)
}

// AddListMember adds one supporter to the end of a list; a current member
// stays where it is. Errors as AddListMembers.
func (s *Store) AddListMember(ctx context.Context, orgID, listID, supporterID int64) error {
	_, err := s.AddListMembers(ctx, orgID, listID, []int64{supporterID})
	return err
}

// RemoveListMember takes one supporter off a list; removing a non-member does
// nothing. Errors as AddListMembers.
func (s *Store) RemoveListMember(ctx context.Context, orgID, listID, supporterID int64) error {
	_, err := s.RemoveListMembers(ctx, orgID, listID, []int64{supporterID})
	return err
}

// changeMembers runs one membership statement: one round trip whatever the
// number of ids, checking them all before anything is written.
func (s *Store) changeMembers(ctx context.Context, what, sql string, orgID, listID int64, ids []int64) (int, error) {
	if len(ids) > MaxBulkMembers {
		return 0, FieldErrorf("supporter_ids", "more than %d supporters at once", MaxBulkMembers)
	}
	var (
		listFound    bool
		unknownCount int
		unknown      []int64
		changed      int
	)
	err := s.pool.QueryRow(ctx, sql, orgID, listID, ids, s.clock.Now()).
		Scan(&listFound, &unknownCount, &unknown, &changed)
	switch {
	case err != nil:
		return 0, Internal(what, constraintError(err, nil))
	case !listFound:
		return 0, Errorf(ENOTFOUND, "list not found")
	case unknownCount > 0:
		return 0, &Error{Code: ENOTFOUND, Field: "supporter_ids", Message: unknownMessage(unknownCount, unknown)}
	}
	return changed, nil
}

func unknownMessage(count int, some []int64) string {
	ids := fmt.Sprint(some)
	if count > len(some) {
		return fmt.Sprintf("%d ids are not supporters of the list's group, among them %s", count, ids)
	}
	return fmt.Sprintf("not supporters of the list's group: %s", ids)
}

// ListMembers returns up to limit current members of a list in queue order,
// starting after afterPosition (0 for the first page; then the Position of
// the last member seen). ENOTFOUND if the list is not the organisation's,
// EINVALID (field "limit") unless 1 <= limit <= MaxSupportersPage.
func (s *Store) ListMembers(ctx context.Context, orgID, listID, afterPosition int64, limit int) ([]ListMember, error) {
	if err := checkPageLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, listMembersPageSQL+listMembersOrder,
		pgx.NamedArgs{"org": orgID, "list": listID, "after": afterPosition, "limit": limit})
	if err != nil {
		return nil, Internal("list members", err)
	}
	ms, err := pgx.CollectRows(rows, scanListMember)
	if err != nil {
		return nil, Internal("list members", err)
	}
	if len(ms) == 0 {
		if _, err := s.List(ctx, orgID, listID); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

func scanListMember(row pgx.CollectableRow) (ListMember, error) {
	var m ListMember
	var err error
	m.Supporter, err = scanSupporter(row, &m.Position, &m.AddedAt)
	return m, err
}
