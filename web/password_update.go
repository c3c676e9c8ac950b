package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// passwordUpdate changes the user's password on Edit My Profile. Every
// session of the user ends, this browser's too, which gets a new one.
func (s *Server) passwordUpdate(w http.ResponseWriter, r *http.Request) {
	f := form.NewPasswordForm(r)
	err := f.Validate()
	if err == nil {
		r, err = s.changePassword(w, r, f)
	}
	if err != nil {
		s.profileView(w, r, form.ProfileFormOf(currentUser(r))).RenderError(err)
		return
	}
	s.flash(r, "Your password is changed. Other devices were logged out.")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

// changePassword changes the password and logs this browser in again (the
// change ended its session), returning r as a request of the new session.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, f form.PasswordForm) (*http.Request, error) {
	u := currentUser(r)
	if err := s.store.ChangePassword(r.Context(), u.OrganisationID, u.ID, f.Current, f.New); err != nil {
		return r, err
	}
	ws, err := s.startWebSession(w, r, u)
	if err != nil {
		return r, err
	}
	return withWebSession(r, ws), nil
}
