package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// profileEdit shows Edit My Profile: name, mobile, timezone, and the
// password change.
func (s *Server) profileEdit(w http.ResponseWriter, r *http.Request) {
	s.profileView(w, r, form.ProfileFormOf(currentUser(r))).Render()
}

// profileView is Edit My Profile with f in its profile form, for the page
// and for its forms shown again with an error.
func (s *Server) profileView(w http.ResponseWriter, r *http.Request, f form.ProfileForm) *view {
	u := currentUser(r)
	return s.view(w, r, "profile_edit").Set("Form", f).
		Set("Timezones", timezoneChoices(u.Timezone, f.Timezone)).
		Set("MinPasswordLen", queue.MinPasswordLen)
}
