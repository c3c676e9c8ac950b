package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// apiMeUpdate answers PUT /api/v1/me: Edit My Profile's change, the whole
// profile at once (an absent mobile clears it).
func (s *Server) apiMeUpdate(w http.ResponseWriter, r *http.Request) {
	var f form.ProfileForm
	if err := decodeJSON(r, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r)
	updated, err := s.store.UpdateProfile(r.Context(), u.OrganisationID, u.ID, f.Profile())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newAPIMe(r, updated))
}
