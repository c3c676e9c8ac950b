package web

import (
	"net/http"
	"strconv"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// memberAdd adds a supporter of the list's group, found by phone or id, to
// the end of the list (R1.4); sessions on the list take them at the end
// of their queues (R8.4).
func (s *Server) memberAdd(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.NewMemberForm(r)
	sp, joined, err := s.addMember(r, lp, f.Supporter)
	if err != nil {
		s.memberNewView(w, r, lp, f, form.SupporterForm{}).RenderError(err)
		return
	}
	s.flashMember(r, sp, joined)
	http.Redirect(w, r, listURL(lp.List.ID), http.StatusSeeOther)
}

// addMember finds the supporter ref names in the list's group and adds
// them; joined is false when they were on the list already.
func (s *Server) addMember(r *http.Request, lp listPage, ref string) (queue.Supporter, bool, error) {
	org := lp.List.OrganisationID
	sp, err := s.store.FindGroupSupporter(r.Context(), org, lp.List.GroupID, ref)
	if err != nil {
		return sp, false, err
	}
	n, err := s.store.AddListMembers(r.Context(), org, lp.List.ID, []int64{sp.ID})
	return sp, n == 1, err
}

func (s *Server) flashMember(r *http.Request, sp queue.Supporter, joined bool) {
	if joined {
		s.flash(r, supporterName(sp)+" added to the list")
	} else {
		s.flash(r, supporterName(sp)+" is on the list already")
	}
}

func listURL(id int64) string { return "/lists/" + strconv.FormatInt(id, 10) }
