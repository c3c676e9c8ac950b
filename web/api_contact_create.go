package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// apiLogged is the body of POST /api/v1/sessions/{id}/contacts.
type apiLogged struct {
	Contact  apiLoggedContact `json:"contact"`
	Existing bool             `json:"existing"`
}

// apiContactCreate answers POST /api/v1/sessions/{id}/contacts: logs a
// contact (R5), 201; the same idempotency key again, or a second log for
// the same call, returns the first with 200 and existing true (R5.3).
func (s *Server) apiContactCreate(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var f form.ContactForm
	if err := decodeJSON(r, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.logContact(r, sess.ID, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if c.Existing {
		status = http.StatusOK
	}
	writeJSON(w, status, apiLogged{Contact: newAPILoggedContact(c), Existing: c.Existing})
}
