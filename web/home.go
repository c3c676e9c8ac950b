package web

import "net/http"

// home sends visitors to the login page and users to their landing page,
// the Calling Sessions index (R2.4).
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := webSessionFrom(r.Context()); !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/sessions", http.StatusSeeOther)
}

// dashboardHome is where the first release landed users: kept as a link
// to the Calling Sessions index, for bookmarks.
func (s *Server) dashboardHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/sessions", http.StatusSeeOther)
}
