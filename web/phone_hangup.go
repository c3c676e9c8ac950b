package web

import "net/http"

// phoneHangUp pauses the session (R4.4): the leader closed the dashboard
// (live.js sends a beacon on pagehide) or pressed Stop. The phone call and
// the supporter's leg are hung up; hanging up a phone not ringing changes
// nothing. Only the session's leader may, like Start.
//
// The Stop button's form says so (field "stop") and is answered with the
// dashboard and an alert; the beacon, which nobody reads, with 204.
func (s *Server) phoneHangUp(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.HangUpPhone(r.Context(), currentUser(r), sess.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("stop") == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.flash(r, "Paused: your phone call was ended.")
	http.Redirect(w, r, dashboardPath(sess.ID), http.StatusSeeOther)
}
