package web

import (
	"fmt"
	"net/http"
)

// cycleCreate is the Start a new cycle button (R8.3), offered once the
// cycle is complete; a refusal (supporters still available: 409) shows the
// dashboard again with the reason.
func (s *Server) cycleCreate(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next, err := s.store.StartNewCycle(r.Context(), currentUser(r), sess.ID)
	if err != nil {
		s.dashboardView(w, r, nil, func(v *view) { v.RenderError(err) })
		return
	}
	s.flash(r, fmt.Sprintf("Cycle %d started: everyone not yet contacted is back in the queue.", next.Cycle))
	http.Redirect(w, r, dashboardPath(sess.ID), http.StatusSeeOther)
}

// dashboardPath is a session's dashboard.
func dashboardPath(sessionID int64) string { return fmt.Sprintf("/sessions/%d", sessionID) }
