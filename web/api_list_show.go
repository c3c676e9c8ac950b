package web

import "net/http"

// apiListShow answers GET /api/v1/lists/{id}.
func (s *Server) apiListShow(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newAPIList(lp))
}
