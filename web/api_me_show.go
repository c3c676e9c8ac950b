package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/supporterbase/callingsessions/queue"
)

// apiMe is the body of GET and PUT /api/v1/me: the user, and the CSRF token
// their state changes must carry in X-Csrf-Token.
type apiMe struct {
	User      apiUser `json:"user"`
	CSRFToken string  `json:"csrf_token"`
}

type apiUser struct {
	ID             int64     `json:"id"`
	OrganisationID int64     `json:"organisation_id"`
	FirstName      string    `json:"first_name"`
	LastName       string    `json:"last_name"`
	Email          string    `json:"email"`
	Mobile         string    `json:"mobile"`
	Timezone       string    `json:"timezone"`
	Admin          bool      `json:"admin"`
	Roles          []apiRole `json:"roles"`
}

type apiRole struct {
	GroupID int64      `json:"group_id"`
	Role    queue.Role `json:"role"`
}

func newAPIMe(r *http.Request, u queue.User) apiMe {
	roles := make([]apiRole, 0, len(u.Roles))
	for group, role := range u.Roles {
		roles = append(roles, apiRole{GroupID: group, Role: role})
	}
	slices.SortFunc(roles, func(a, b apiRole) int { return cmp.Compare(a.GroupID, b.GroupID) })
	return apiMe{
		User: apiUser{ID: u.ID, OrganisationID: u.OrganisationID, FirstName: u.FirstName, LastName: u.LastName,
			Email: u.Email, Mobile: u.Mobile, Timezone: u.Timezone, Admin: u.Admin, Roles: roles},
		CSRFToken: expectedCSRF(r),
	}
}

// apiMeShow answers GET /api/v1/me.
func (s *Server) apiMeShow(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, newAPIMe(r, currentUser(r)))
}
