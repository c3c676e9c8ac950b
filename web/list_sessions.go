package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// listSessions shows a call list's Calling Sessions tab: every session on
// the list, each leader's, with its status, progress and last activity
// (R2.3: different leaders on one list each have their own).
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
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
	s.view(w, r, "list_sessions").Set("L", lp).Set("Tab", "sessions").
		Set("StartForm", form.SessionFormOf(currentUser(r), lp.List)).
		Set("Sessions", s.sessionRows(summaries)).Render()
}
