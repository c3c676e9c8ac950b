package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// loginShow shows the login form; a logged-in user goes straight on.
func (s *Server) loginShow(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := webSessionFrom(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.view(w, r, "login").Set("Form", form.LoginForm{Next: next}).Render()
}
