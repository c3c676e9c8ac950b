package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// listRow is a call list as its group's page lists it.
type listRow struct {
	queue.List
	EventName string
}

// groupShow shows a supporter group's Call Lists: name, event, members.
func (s *Server) groupShow(w http.ResponseWriter, r *http.Request) {
	g, rows, err := s.groupLists(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r)
	s.view(w, r, "group_show").Set("Group", g).Set("Lists", rows).Set("Role", roleLabel(u, g.ID)).Render()
}

// groupLists reads the route's group, if the user may see it, and its
// lists with their events' names.
func (s *Server) groupLists(r *http.Request) (queue.Group, []listRow, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return queue.Group{}, nil, err
	}
	u := currentUser(r)
	g, err := s.store.GroupFor(r.Context(), u, id)
	if err != nil {
		return queue.Group{}, nil, err
	}
	lists, err := s.store.Lists(r.Context(), u.OrganisationID, g.ID)
	if err != nil {
		return queue.Group{}, nil, err
	}
	events, err := s.store.Events(r.Context(), u.OrganisationID, g.ID)
	if err != nil {
		return queue.Group{}, nil, err
	}
	names := make(map[int64]string, len(events))
	for _, e := range events {
		names[e.ID] = e.Name
	}
	rows := make([]listRow, len(lists))
	for i, l := range lists {
		rows[i] = listRow{List: l, EventName: names[l.EventID]}
	}
	return g, rows, nil
}
