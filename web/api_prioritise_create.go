package web

import "net/http"

// apiPrioritiseCreate answers POST
// /api/v1/sessions/{id}/supporters/{sid}/prioritise (R8.1), with the alert
// ("X will be called next after Y"). 409 for the supporter already next
// and for completed ones.
func (s *Server) apiPrioritiseCreate(w http.ResponseWriter, r *http.Request) {
	ss, sp, err := s.loadSheetSupporter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg, err := s.prioritise(r.Context(), currentUser(r), ss, sp)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeSheetSupporter(w, r, ss, sp.ID, msg)
}
