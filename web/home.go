package web

import "net/http"

// home sends visitors to the login page and users to their landing page
// (the Calling Sessions index will answer here once it exists).
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := webSessionFrom(r.Context()); !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}
