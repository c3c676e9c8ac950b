package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

type apiGroup struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"` // admin, captain, vice_captain or member
}

func newAPIGroup(u queue.User, g queue.Group) apiGroup {
	role := string(u.Roles[g.ID])
	if u.Admin {
		role = "admin"
	}
	return apiGroup{ID: g.ID, Name: g.Name, Role: role}
}

// apiGroupIndex answers GET /api/v1/groups: the groups the user may see
// (R1.2), as the Supporter Groups page lists them.
func (s *Server) apiGroupIndex(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	groups, err := s.store.VisibleGroups(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]apiGroup, len(groups))
	for i, g := range groups {
		out[i] = newAPIGroup(u, g)
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": out})
}
