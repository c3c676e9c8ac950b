package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/supporterbase/callingsessions/queue"
)

// pathID reads a numeric id from the route; anything else is no such page
// (404), like an id of another organisation.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id < 1 {
		return 0, errNotFound
	}
	return id, nil
}

// listPage is what every page of a call list shows about it, and what the
// user may do there (R1.2): anyone with a role in its group sees it;
// admins, captains and vice-captains also manage its members and start
// sessions on it (CanManage and CanLead are the same people today, named
// apart because they are two rules).
type listPage struct {
	List      queue.List
	Group     queue.Group
	EventName string
	CanManage bool
	CanLead   bool
	HasMobile bool
}

// loadList finds the list of the route's {id} for the current user:
// ENOTFOUND for another organisation's, EFORBIDDEN without a role in its
// group, and when manage is set EFORBIDDEN for a member (the role).
func (s *Server) loadList(r *http.Request, manage bool) (listPage, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return listPage{}, err
	}
	u := currentUser(r)
	var l queue.List
	if manage {
		l, err = s.store.ListToManage(r.Context(), u, id)
	} else {
		l, err = s.store.ListFor(r.Context(), u, id)
	}
	if err != nil {
		return listPage{}, err
	}
	g, err := s.store.Group(r.Context(), u.OrganisationID, l.GroupID)
	if err != nil {
		return listPage{}, err
	}
	lp := newListPage(u, l, g)
	if l.EventID != 0 {
		ev, err := s.store.Event(r.Context(), u.OrganisationID, l.EventID)
		if err != nil && queue.ErrorCode(err) != queue.ENOTFOUND { // deleted meanwhile: no event
			return listPage{}, err
		}
		lp.EventName = ev.Name
	}
	return lp, nil
}

// newListPage is list l of group g as u may act on it.
func newListPage(u queue.User, l queue.List, g queue.Group) listPage {
	return listPage{List: l, Group: g, CanManage: u.CanManageMembers(g.ID), CanLead: u.CanLead(g.ID), HasMobile: u.Mobile != ""}
}

// showPhone is a supporter's number as this user may see it: whole for
// those who manage the list, masked to its last digits for members (the
// role), who only look.
func (lp listPage) showPhone(p queue.Phone) string {
	if lp.CanManage {
		return p.Raw
	}
	return p.Masked()
}
