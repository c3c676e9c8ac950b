package web

import "net/http"

// phoneRequest is the Start (or Resume) calling session button: the
// leader's mobile rings (R4.1). Only the session's leader may (403 for
// anyone else); a second click while the phone is wanted changes nothing.
func (s *Server) phoneRequest(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	created, err := s.store.RequestPhone(r.Context(), currentUser(r), sess.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if created {
		s.flash(r, "Your phone will ring in a moment: answer it and press any key to start calling.")
	} else {
		s.flash(r, "Your phone is already being called.")
	}
	http.Redirect(w, r, dashboardPath(sess.ID), http.StatusSeeOther)
}
