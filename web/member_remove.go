package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// memberRemoveConfirm asks before taking a supporter off the list: a page
// of its own, so the confirmation works without script and on any screen.
func (s *Server) memberRemoveConfirm(w http.ResponseWriter, r *http.Request) {
	lp, sp, err := s.loadMember(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.view(w, r, "member_remove").Set("L", lp).Set("Supporter", sp).Set("Name", supporterName(sp)).
		Set("Phone", lp.showPhone(sp.Phone)).Render()
}

// memberRemove takes the supporter off the list, keeping the history of
// their membership; sessions on the list drop them from their queues with
// their history kept (R8.4).
func (s *Server) memberRemove(w http.ResponseWriter, r *http.Request) {
	lp, sp, err := s.loadMember(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.store.RemoveListMembers(r.Context(), lp.List.OrganisationID, lp.List.ID, []int64{sp.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n == 1 {
		s.flash(r, supporterName(sp)+" removed from the list")
	} else {
		s.flash(r, supporterName(sp)+" was not on the list")
	}
	http.Redirect(w, r, listURL(lp.List.ID), http.StatusSeeOther)
}

// loadMember reads the route's list, which the user must manage, and its
// {supporterID}, a supporter of the list's group (404 otherwise).
func (s *Server) loadMember(r *http.Request) (listPage, queue.Supporter, error) {
	lp, err := s.loadList(r, true)
	if err != nil {
		return lp, queue.Supporter{}, err
	}
	id, err := pathID(r, "supporterID")
	if err != nil {
		return lp, queue.Supporter{}, err
	}
	sp, err := s.store.Supporter(r.Context(), lp.List.OrganisationID, id)
	if err == nil && sp.GroupID != lp.List.GroupID {
		err = queue.Errorf(queue.ENOTFOUND, "supporter not found")
	}
	return lp, sp, err
}
