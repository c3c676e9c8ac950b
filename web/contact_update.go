package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// contactUpdate takes the correction of a contact log (R5.4): the queue
// keeps the version it replaces. Bad input shows the form again with the
// field at fault; nothing changes.
func (s *Server) contactUpdate(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadContactToCorrect(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.NewContactCorrectionForm(r)
	in, err := f.Input()
	if err == nil {
		_, err = s.store.CorrectContact(r.Context(), currentUser(r), c.ID, in)
	}
	if err != nil {
		v, verr := s.contactView(w, r, c, f)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.RenderError(err)
		return
	}
	s.flash(r, "The log is corrected; the earlier version is kept in its history.")
	http.Redirect(w, r, contactBack(c, f.Back), http.StatusSeeOther)
}
