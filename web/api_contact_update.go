package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// apiContactUpdate answers PUT /api/v1/contacts/{id}: corrects a contact
// log (R5.4), by its author or an admin (else 403); the replaced version is
// kept (GET /api/v1/contacts/{id}/history).
func (s *Server) apiContactUpdate(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadContactToCorrect(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body form.ContactCorrection
	if err := decodeJSON(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := body.Input()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err = s.store.CorrectContact(r.Context(), currentUser(r), c.ID, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newAPIContactLog(c))
}
