package web

import "net/http"

// apiCycleCreate answers POST /api/v1/sessions/{id}/cycles: Start a new
// cycle (R8.3), 201 with the dashboard figures of the new cycle; 409 while
// the current one is not complete.
func (s *Server) apiCycleCreate(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next, err := s.store.StartNewCycle(r.Context(), currentUser(r), sess.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeDashboardJSON(w, r, next, http.StatusCreated)
}
