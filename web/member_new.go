package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// memberNew shows the list's Add a supporter page: one form to add a
// supporter of the group by phone or id, one to create a new supporter
// and add them. Only for those who manage the list's members.
func (s *Server) memberNew(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.memberNewView(w, r, lp, form.MemberForm{}, form.SupporterForm{}).Render()
}

func (s *Server) memberNewView(w http.ResponseWriter, r *http.Request, lp listPage, m form.MemberForm, sp form.SupporterForm) *view {
	return s.view(w, r, "member_new").Set("L", lp).Set("MemberForm", m).Set("SupporterForm", sp)
}
