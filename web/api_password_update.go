package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// apiPasswordUpdate answers POST /api/v1/me/password. As on the page, every
// session of the user ends; the caller gets a new session cookie and, in
// the body, the new session's CSRF token.
func (s *Server) apiPasswordUpdate(w http.ResponseWriter, r *http.Request) {
	var f form.PasswordForm
	if err := decodeJSON(r, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	r, err := s.changePassword(w, r, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newAPIMe(r, currentUser(r)))
}
