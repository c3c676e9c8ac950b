package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// groupRow is a group as the Supporter Groups page lists it, with the
// user's part in it.
type groupRow struct {
	queue.Group
	Role string // "Admin", "Captain", "Vice-captain" or "Member"
}

// roleLabel is the user's part in a group, as the panel writes it.
func roleLabel(u queue.User, groupID int64) string {
	if u.Admin {
		return "Admin"
	}
	switch u.Roles[groupID] {
	case queue.RoleCaptain:
		return "Captain"
	case queue.RoleViceCaptain:
		return "Vice-captain"
	case queue.RoleMember:
		return "Member"
	}
	return ""
}

// groupIndex shows Supporter Groups: the groups the user may see (R1.2),
// each linking to its call lists.
func (s *Server) groupIndex(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	groups, err := s.store.VisibleGroups(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]groupRow, len(groups))
	for i, g := range groups {
		rows[i] = groupRow{Group: g, Role: roleLabel(u, g.ID)}
	}
	s.view(w, r, "group_index").Set("Groups", rows).Render()
}
