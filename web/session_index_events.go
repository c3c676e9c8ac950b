package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/live"
)

// sessionEvents streams the changes of every session of the user's
// organisation to the Calling Sessions index (server-sent events). The
// index shows only sessions the user may see, and an event carries no
// more than a session's id and what kind of change it was, so the stream
// needs no finer filter: the page reads its rows again through the same
// checks. 404 when live updates are off.
func (s *Server) sessionEvents(w http.ResponseWriter, r *http.Request) {
	if s.opts.Live == nil {
		s.fail(w, r, errNotFound)
		return
	}
	s.opts.Live.ServeStream(w, r, currentUser(r).OrganisationID, live.AllSessions)
}
