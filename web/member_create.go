package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// memberCreate creates a supporter in the list's group from the Add a new
// supporter form and adds them to the list. A number already in the group
// is refused on the phone box (add that supporter with the other form).
func (s *Server) memberCreate(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.NewSupporterForm(r)
	sp, err := s.createMember(r, lp, f)
	if err != nil {
		s.memberNewView(w, r, lp, form.MemberForm{}, f).RenderError(err)
		return
	}
	s.flashMember(r, sp, true)
	http.Redirect(w, r, listURL(lp.List.ID), http.StatusSeeOther)
}

// createMember creates the supporter and adds them to the list. Two steps:
// should the second fail (the list deleted meanwhile), the supporter stays
// in the group, as an import would leave them.
func (s *Server) createMember(r *http.Request, lp listPage, f form.SupporterForm) (queue.Supporter, error) {
	if err := f.Validate(); err != nil {
		return queue.Supporter{}, err
	}
	org := lp.List.OrganisationID
	sp, err := s.store.CreateSupporter(r.Context(), org, lp.List.GroupID, f.Input())
	if err != nil {
		return sp, err
	}
	return sp, s.store.AddListMember(r.Context(), org, lp.List.ID, sp.ID)
}
