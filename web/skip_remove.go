package web

import (
	"net/http"
)

// skipRemove is Remove skip (R6.3): instant, no dialog, from a row's
// three-dot menu or the card. Only leader skips: the queue refuses a
// system skip (409) and says which it is.
func (s *Server) skipRemove(w http.ResponseWriter, r *http.Request) {
	ss, sp, err := s.loadSheetSupporter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.Unskip(r.Context(), currentUser(r), ss.ID, sp.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "Skip removed: "+supporterName(sp.Supporter)+" is back in the queue.")
	http.Redirect(w, r, backTo(r.PostFormValue("back"), ss.ID), http.StatusSeeOther)
}
