package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// profileUpdate saves Edit My Profile's form, or shows it again with the
// field at fault and nothing changed (R12).
func (s *Server) profileUpdate(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	f := form.NewProfileForm(r)
	if _, err := s.store.UpdateProfile(r.Context(), u.OrganisationID, u.ID, f.Profile()); err != nil {
		s.profileView(w, r, f).RenderError(err)
		return
	}
	s.flash(r, "Your profile is saved.")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}
