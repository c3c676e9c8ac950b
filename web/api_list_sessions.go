package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// apiListSessions answers GET /api/v1/lists/{id}/sessions: the list's
// Calling Sessions tab.
func (s *Server) apiListSessions(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	summaries, err := s.store.Sessions(r.Context(), currentUser(r), queue.SessionFilter{ListID: lp.List.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": newAPISessions(summaries)})
}
