package web

import "net/http"

// dashboardHome is the page a user lands on after logging in, until the
// Calling Sessions index takes its place.
func (s *Server) dashboardHome(w http.ResponseWriter, r *http.Request) {
	s.view(w, r, "dashboard_home").Render()
}
