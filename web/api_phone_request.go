package web

import "net/http"

// apiPhoneRequest answers POST /api/v1/sessions/{id}/phone: Start or
// Resume calling session (R4.1). created is false when the phone was
// already wanted (a double click): nothing more happens.
func (s *Server) apiPhoneRequest(w http.ResponseWriter, r *http.Request) {
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
	writeJSON(w, http.StatusOK, struct {
		Created     bool `json:"created"`
		PhoneWanted bool `json:"phone_wanted"`
	}{created, true})
}
