package web

import (
	"net/http"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// apiSession is a row of the Calling Sessions index (R2.4).
type apiSession struct {
	ID             int64               `json:"id"`
	Name           string              `json:"name"`
	ListID         int64               `json:"list_id"`
	ListName       string              `json:"list_name"`
	LeaderID       int64               `json:"leader_id"`
	LeaderName     string              `json:"leader_name"`
	Status         queue.SessionStatus `json:"status"`
	StatusLabel    string              `json:"status_label"`
	Completed      int                 `json:"completed"`
	Total          int                 `json:"total"`
	LastActivityAt time.Time           `json:"last_activity_at"`
	URL            string              `json:"url"` // the session's dashboard
}

func newAPISessions(summaries []queue.SessionSummary) []apiSession {
	out := make([]apiSession, len(summaries))
	for i, ss := range summaries {
		out[i] = apiSession{ID: ss.ID, Name: ss.Name, ListID: ss.ListID, ListName: ss.ListName,
			LeaderID: ss.LeaderID, LeaderName: ss.LeaderName, Status: ss.Status, StatusLabel: ss.Status.Label(),
			Completed: ss.Completed, Total: ss.Total, LastActivityAt: ss.LastActivityAt,
			URL: dashboardPath(ss.ID)}
	}
	return out
}

// apiSessionIndex answers GET /api/v1/sessions: the sessions the user may
// see, most recent activity first; ?view= active, paused or completed;
// ?after= the previous page's next_after; ?limit= up to 500.
func (s *Server) apiSessionIndex(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	limit, err := queryInt(r, "limit")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := queue.SessionFilter{View: queue.SessionsView(query.Get("view")), After: query.Get("after"), Limit: int(limit)}
	summaries, err := s.store.Sessions(r.Context(), currentUser(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := ""
	pageSize := f.Limit
	if pageSize == 0 {
		pageSize = queue.MaxSessionsPage
	}
	if len(summaries) == pageSize {
		next = summaries[len(summaries)-1].Cursor()
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": newAPISessions(summaries), "next_after": next})
}
