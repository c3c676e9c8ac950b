package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// sessionRow is a session as the Calling Sessions index and a list's
// Calling Sessions tab show it (R2.4).
type sessionRow struct {
	ID             int64
	Name           string
	ListID         int64
	ListName       string
	LeaderName     string
	Status         queue.SessionStatus
	StatusLabel    string
	Completed      int
	Total          int
	LastActivity   string // "5 minutes ago", from the store's clock
	LastActivityAt time.Time
}

func (s *Server) sessionRows(summaries []queue.SessionSummary) []sessionRow {
	now := s.clock.Now()
	rows := make([]sessionRow, len(summaries))
	for i, ss := range summaries {
		rows[i] = sessionRow{ID: ss.ID, Name: ss.Name, ListID: ss.ListID, ListName: ss.ListName,
			LeaderName: ss.LeaderName, Status: ss.Status, StatusLabel: ss.Status.Label(),
			Completed: ss.Completed, Total: ss.Total,
			LastActivity: timeAgo(now, ss.LastActivityAt), LastActivityAt: ss.LastActivityAt}
	}
	return rows
}

// sessionsPageSize is how many sessions one page of the index shows.
const sessionsPageSize = 50

// sessionFilterTab is one of the index's filters, as a link.
type sessionFilterTab struct {
	Label   string
	View    queue.SessionsView
	Current bool
}

// sessionIndex shows the Calling Sessions index (R2.4): every session the
// user may see, most recent activity first, filtered by ?view= (active,
// paused, completed) and paged by ?after=. With live updates on, the page
// listens to every session of the organisation and refreshes its rows
// (static/sessions.js).
func (s *Server) sessionIndex(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	f := queue.SessionFilter{View: queue.SessionsView(query.Get("view")), After: query.Get("after"), Limit: sessionsPageSize}
	// Read before the sessions, so a change in between is replayed.
	cursor := ""
	if s.opts.Live != nil {
		cursor = s.opts.Live.Cursor()
	}
	summaries, err := s.store.Sessions(r.Context(), currentUser(r), f)
	if err != nil {
		if queue.ErrorCode(err) == queue.EINVALID { // a hand-made URL
			err = errNotFound
		}
		s.fail(w, r, err)
		return
	}
	tabs := []sessionFilterTab{{Label: "All", View: ""}, {Label: "Active", View: queue.SessionsActive},
		{Label: "Paused", View: queue.SessionsPaused}, {Label: "Completed", View: queue.SessionsCompleted}}
	for i := range tabs {
		tabs[i].Current = tabs[i].View == f.View
	}
	v := s.view(w, r, "session_index").Set("Sessions", s.sessionRows(summaries)).Set("Filters", tabs).
		Set("View", string(f.View)).Set("Paged", f.After != "")
	if len(summaries) == sessionsPageSize {
		next := url.Values{"after": {summaries[len(summaries)-1].Cursor()}}
		if f.View != "" {
			next.Set("view", string(f.View))
		}
		v.Set("NextPage", "?"+next.Encode())
	}
	if s.opts.Live != nil {
		v.Set("LiveURL", "/sessions/events?"+url.Values{"since": {cursor}}.Encode())
	}
	v.Render()
}
