package web

import "net/http"

// apiPhoneHangUp answers POST /api/v1/sessions/{id}/pause: the leader's
// phone call ends and the session pauses (R4.4). Idempotent: 204 whether a
// call was live or not.
func (s *Server) apiPhoneHangUp(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.HangUpPhone(r.Context(), currentUser(r), sess.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
