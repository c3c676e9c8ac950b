package queue

import (
	"context"
)

// Who sees and changes what in a supporter group (R1.2). An admin of the
// organisation may do everything in every group. Anyone else sees the
// groups where they hold a role (captain, vice-captain or member): the
// group's call lists, their members and their sessions. Captains and
// vice-captains also manage the lists' members (add, remove, CSV import)
// and run sessions on them; members only look. A group of the same
// organisation where the user has no role is EFORBIDDEN; another
// organisation's is ENOTFOUND, like anything of another organisation
// (R1.1).

// CanView reports whether u may see the group's lists, members and
// sessions.
func (u User) CanView(groupID int64) bool {
	_, hasRole := u.Roles[groupID]
	return u.Admin || hasRole
}

// CanManageMembers reports whether u may add and remove members of the
// group's lists and import supporters into them: the same people who may
// run sessions there.
func (u User) CanManageMembers(groupID int64) bool { return u.CanLead(groupID) }

// errNoRole is a group of the user's organisation where they have no role.
var errNoRole = Errorf(EFORBIDDEN, "you have no role in this supporter group")

// errReadOnly is a member (the role) trying to change a list.
var errReadOnly = Errorf(EFORBIDDEN, "only admins, captains and vice-captains of the group may change its lists")

// VisibleGroups returns, by name, the groups actor may see: every group of
// the organisation for an admin, the groups where they hold a role
// otherwise.
func (s *Store) VisibleGroups(ctx context.Context, actor User) ([]Group, error) {
	groups, err := s.Groups(ctx, actor.OrganisationID)
	if err != nil {
		return nil, err
	}
	visible := groups[:0]
	for _, g := range groups {
		if actor.CanView(g.ID) {
			visible = append(visible, g)
		}
	}
	return visible, nil
}

// GroupFor returns a group actor may see. ENOTFOUND if the organisation has
// no such group, EFORBIDDEN if actor has no role in it.
func (s *Store) GroupFor(ctx context.Context, actor User, groupID int64) (Group, error) {
	g, err := s.Group(ctx, actor.OrganisationID, groupID)
	if err != nil {
		return Group{}, err
	}
	if !actor.CanView(g.ID) {
		return Group{}, errNoRole
	}
	return g, nil
}

// ListFor returns a call list actor may see. ENOTFOUND if the organisation
// has no such list, EFORBIDDEN if actor has no role in its group.
func (s *Store) ListFor(ctx context.Context, actor User, listID int64) (List, error) {
	l, err := s.List(ctx, actor.OrganisationID, listID)
	if err != nil {
		return List{}, err
	}
	if !actor.CanView(l.GroupID) {
		return List{}, errNoRole
	}
	return l, nil
}

// ListToManage returns a call list whose members actor may change. Errors
// as ListFor, and EFORBIDDEN for a member (the role) of its group.
func (s *Store) ListToManage(ctx context.Context, actor User, listID int64) (List, error) {
	l, err := s.ListFor(ctx, actor, listID)
	if err != nil {
		return List{}, err
	}
	if !actor.CanManageMembers(l.GroupID) {
		return List{}, errReadOnly
	}
	return l, nil
}
