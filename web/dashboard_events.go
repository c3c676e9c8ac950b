package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/live"
)

// dashboardEvents streams the changes of one session to its dashboard, by
// server-sent events, for as long as the page is open (web/live).
func (s *Server) dashboardEvents(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.opts.Live == nil { // a server without live updates: its pages do not ask
		s.fail(w, r, errNotFound)
		return
	}
	s.opts.Live.ServeStream(w, r, sess.OrganisationID, live.Sessions(sess.ID))
}
