package queue

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DefaultListMembersPage is how many members a page of a call list shows.
const DefaultListMembersPage = 50

// ListMemberQuery selects a page of a call list's members (R1.4) in queue
// order. Search matches like the View all supporters sheet's (R3.5): a
// substring of the name, ignoring case, or, written like a phone number,
// the digits of the number. AfterPosition is the previous page's
// NextAfter, 0 for the first page.
type ListMemberQuery struct {
	Search        string
	AfterPosition int64
	Limit         int // 0 means DefaultListMembersPage; at most MaxSupportersPage
}

// ListMemberPage is one page of members. NextAfter is 0 on the last page.
type ListMemberPage struct {
	Members   []ListMember
	NextAfter int64
}

// The statement pages by the members' queue order index (list_id,
// position) from the cursor and stops one row after the page, so a page
// costs the same deep in a list of 100,000 as at its start. The searches
// are the expressions of the trigram indexes on supporters (migration
// 0002), so a search that matches few supporters is served from those
// indexes and the membership primary key instead of a walk of the list;
// the planner picks whichever is cheaper.
var (
	listMembersPageSQL = `
		SELECT ` + supporterColumnsSP + `, m.position, m.added_at
		FROM call_lists l
		JOIN list_members m ON m.list_id = l.id AND m.removed_at IS NULL AND m.position > @after
		JOIN supporters sp ON sp.id = m.supporter_id
		WHERE l.organisation_id = @org AND l.id = @list`
	listMembersOrder = ` ORDER BY m.position LIMIT @limit`
)

// SearchListMembers returns a page of a list's current members in queue
// order, filtered by q.Search. ENOTFOUND if the list is not the
// organisation's; EINVALID naming the field for a search too long
// ("search"), a limit outside 1-MaxSupportersPage ("limit") or a negative
// cursor ("after").
func (s *Store) SearchListMembers(ctx context.Context, orgID, listID int64, q ListMemberQuery) (ListMemberPage, error) {
	limit := q.Limit
	if limit == 0 {
		limit = DefaultListMembersPage
	}
	if err := checkPageLimit(limit); err != nil {
		return ListMemberPage{}, err
	}
	if q.AfterPosition < 0 {
		return ListMemberPage{}, FieldErrorf("after", "is not a position this list gave")
	}
	sql := listMembersPageSQL
	args := pgx.NamedArgs{"org": orgID, "list": listID, "after": q.AfterPosition, "limit": limit + 1}
	filter, pattern, err := supporterSearch(q.Search)
	if err != nil {
		return ListMemberPage{}, err
	}
	if filter != "" {
		sql += " AND " + filter
		args["pattern"] = pattern
	}
	rows, err := s.pool.Query(ctx, sql+listMembersOrder, args)
	if err != nil {
		return ListMemberPage{}, Internal("search list members", err)
	}
	members, err := pgx.CollectRows(rows, scanListMember)
	if err != nil {
		return ListMemberPage{}, Internal("search list members", err)
	}
	if len(members) == 0 {
		if _, err := s.List(ctx, orgID, listID); err != nil {
			return ListMemberPage{}, err
		}
	}
	if len(members) <= limit {
		return ListMemberPage{Members: members}, nil
	}
	members = members[:limit]
	return ListMemberPage{Members: members, NextAfter: members[limit-1].Position}, nil
}

// supporterIDRef is a supporter's id as a person types it: "#123" or "123".
var supporterIDRef = regexp.MustCompile(`^#?([0-9]{1,18})$`)

// FindGroupSupporter finds the supporter of a group that ref names: their
// phone number written any way (the group's natural key, R1.5), or their
// id ("#123"; a bare number that is no supporter's phone is tried as an id
// too). EINVALID (field "supporter") when nobody in the group matches, so
// the form that asked shows it beside the box; ENOTFOUND if the group is
// not the organisation's.
func (s *Store) FindGroupSupporter(ctx context.Context, orgID, groupID int64, ref string) (Supporter, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Supporter{}, FieldErrorf("supporter", "is required: a phone number or a supporter id")
	}
	org, err := s.Organisation(ctx, orgID)
	if err != nil {
		return Supporter{}, err
	}
	byID := supporterIDRef.FindStringSubmatch(ref)
	if !strings.HasPrefix(ref, "#") {
		if phone, err := ParsePhone(ref, org.PhoneRegion); err == nil {
			if sp, ok, err := s.groupSupporter(ctx, orgID, groupID, "s.phone_key", phone.Key); ok || err != nil {
				return sp, err
			}
		}
	}
	if byID != nil {
		id, _ := strconv.ParseInt(byID[1], 10, 64)
		if sp, ok, err := s.groupSupporter(ctx, orgID, groupID, "s.id", id); ok || err != nil {
			return sp, err
		}
	}
	// Nobody matched: say so, unless the group is not the organisation's.
	if err := s.checkGroup(ctx, orgID, groupID); err != nil {
		return Supporter{}, err
	}
	return Supporter{}, FieldErrorf("supporter", "no supporter of this group has the number or id %q", ref)
}

// groupSupporter finds the group's supporter whose column (s.phone_key or
// s.id) is value; ok is false when none is.
func (s *Store) groupSupporter(ctx context.Context, orgID, groupID int64, column string, value any) (Supporter, bool, error) {
	sp, err := scanSupporter(s.pool.QueryRow(ctx, `
		SELECT `+supporterColumns+` FROM supporters s
		WHERE s.organisation_id = $1 AND s.group_id = $2 AND `+column+` = $3`, orgID, groupID, value))
	if errors.Is(err, pgx.ErrNoRows) {
		return Supporter{}, false, nil
	}
	if err != nil {
		return Supporter{}, false, Internal("find supporter", err)
	}
	return sp, true, nil
}
