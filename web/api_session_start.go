package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// apiSessionStartBody is the API's Start form. A name left out is the
// default, "<first name> - <list name>"; one given must be 1-200
// characters.
type apiSessionStartBody struct {
	Name *string `json:"name"`
}

// apiStartedSession is the session Start created or resumed.
type apiStartedSession struct {
	ID          int64               `json:"id"`
	Name        string              `json:"name"`
	ListID      int64               `json:"list_id"`
	LeaderID    int64               `json:"leader_id"`
	Status      queue.SessionStatus `json:"status"`
	StatusLabel string              `json:"status_label"`
	URL         string              `json:"url"`
}

// apiSessionStart answers POST /api/v1/lists/{id}/sessions: Start a
// calling session (R2.1-R2.3), 201 with the new session or 200 with the
// one the user has on the list already.
func (s *Server) apiSessionStart(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body apiSessionStartBody
	if err := decodeJSON(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	name := ""
	if body.Name != nil {
		// As the page: an empty name is refused, not taken for the default;
		// one who may not lead is refused as such whatever the name.
		f := form.SessionForm{Name: *body.Name}
		if err := f.Validate(); err != nil && lp.CanLead {
			s.fail(w, r, err)
			return
		}
		name = f.Name
	}
	sess, created, err := s.store.StartSession(r.Context(), currentUser(r), lp.List.ID, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"created": created, "session": apiStartedSession{ID: sess.ID, Name: sess.Name,
		ListID: sess.ListID, LeaderID: sess.LeaderID, Status: sess.Status, StatusLabel: sess.Status.Label(),
		URL: dashboardPath(sess.ID)}})
}
