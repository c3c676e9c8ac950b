package web

import "net/http"

// sessionParts is the dashboard's cards without the layout: dashboard.js
// fetches it on every live change of the session and swaps the cards in,
// keeping a contact form being typed in.
func (s *Server) sessionParts(w http.ResponseWriter, r *http.Request) {
	s.dashboardView(w, r, nil, func(v *view) { v.RenderPart("parts") })
}
