package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// loginCheck logs a user in, throttled per account and per address
// (queue.LogIn), and sends them on to the page they asked for. An unknown
// email and a wrong password get the same page.
func (s *Server) loginCheck(w http.ResponseWriter, r *http.Request) {
	f := form.NewLoginForm(r)
	f.Next = localPath(f.Next)
	page := s.view(w, r, "login").Set("Form", f)
	if err := f.Validate(); err != nil {
		page.RenderError(err)
		return
	}
	u, err := s.store.LogIn(r.Context(), f.Email, f.Password, s.clientAddr(r))
	if err != nil {
		page.RenderError(err)
		return
	}
	if _, err := s.startWebSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}
