package web

import "net/http"

// apiSkipDelete answers DELETE /api/v1/sessions/{id}/supporters/{sid}/skip:
// Remove skip (R6.3). 409 when no leader skip holds the supporter, naming
// the system skip if one does (those cannot be removed).
func (s *Server) apiSkipDelete(w http.ResponseWriter, r *http.Request) {
	ss, sp, err := s.loadSheetSupporter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.Unskip(r.Context(), currentUser(r), ss.ID, sp.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeSheetSupporter(w, r, ss, sp.ID, "")
}
