package web

import (
	"context"
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// prioritiseSave is Prioritise (R8.1): the supporter moves right after the
// current "next to call", and the alert says so: "Ana Lopez will be called
// next after Ben Ode". The queue refuses the supporter already next and
// completed ones (409), as the greyed-out button does.
func (s *Server) prioritiseSave(w http.ResponseWriter, r *http.Request) {
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
	s.flash(r, msg)
	http.Redirect(w, r, backTo(r.PostFormValue("back"), ss.ID), http.StatusSeeOther)
}

// prioritise moves the supporter and returns the alert. Next is read just
// before: it is who the supporter now follows.
func (s *Server) prioritise(ctx context.Context, u queue.User, ss sheetSession, sp queue.SessionSupporter) (string, error) {
	next, hasNext, err := s.store.Next(ctx, ss.OrganisationID, ss.ID)
	if err != nil {
		return "", err
	}
	if err := s.store.Prioritise(ctx, u, ss.ID, sp.ID); err != nil {
		return "", err
	}
	name := supporterName(sp.Supporter)
	if !hasNext || next.ID == sp.ID {
		return name + " moved to the front of the queue.", nil
	}
	return name + " will be called next after " + supporterName(next) + ".", nil
}
