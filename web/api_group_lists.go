package web

import (
	"net/http"
)

// apiList is a call list with what the user may do on it.
type apiList struct {
	ID              int64  `json:"id"`
	GroupID         int64  `json:"group_id"`
	Name            string `json:"name"`
	EventID         int64  `json:"event_id"` // 0: no event
	EventName       string `json:"event_name"`
	MemberCount     int    `json:"member_count"`
	CanManage       bool   `json:"can_manage"`        // may add, remove and import members
	CanStartSession bool   `json:"can_start_session"` // may lead here and has a mobile number (R2.2)
}

func newAPIList(lp listPage) apiList {
	l := lp.List
	return apiList{ID: l.ID, GroupID: l.GroupID, Name: l.Name, EventID: l.EventID, EventName: lp.EventName,
		MemberCount: l.MemberCount, CanManage: lp.CanManage, CanStartSession: lp.CanLead && lp.HasMobile}
}

// apiGroupLists answers GET /api/v1/groups/{id}/lists: the group's call
// lists, as its page shows them.
func (s *Server) apiGroupLists(w http.ResponseWriter, r *http.Request) {
	g, rows, err := s.groupLists(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r)
	out := make([]apiList, len(rows))
	for i, row := range rows {
		lp := newListPage(u, row.List, g)
		lp.EventName = row.EventName
		out[i] = newAPIList(lp)
	}
	writeJSON(w, http.StatusOK, map[string]any{"lists": out})
}
