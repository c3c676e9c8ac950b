package web

import (
	"net/http"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// apiSessionDashboard is the body of GET /api/v1/sessions/{id}: the
// session's dashboard figures (R3.1-R3.3) and its pause reason.
type apiSessionDashboard struct {
	Session      apiDashboardSession `json:"session"`
	Progress     apiProgress         `json:"progress"`
	Impact       apiCallStats        `json:"impact"`
	HasEvent     bool                `json:"has_event"`
	CurrentCycle apiCurrentCycle     `json:"current_cycle"`
	PhoneWanted  bool                `json:"phone_wanted"`
}

type apiDashboardSession struct {
	ID             int64      `json:"id"`
	GroupID        int64      `json:"group_id"`
	ListID         int64      `json:"list_id"`
	LeaderID       int64      `json:"leader_id"`
	Name           string     `json:"name"`
	Cycle          int        `json:"cycle"`
	Status         string     `json:"status"`
	StatusLabel    string     `json:"status_label"`
	PauseReason    string     `json:"pause_reason"`
	StartedAt      *time.Time `json:"started_at"`
	LastActivityAt time.Time  `json:"last_activity_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

type apiProgress struct {
	Completed int `json:"completed"`
	Total     int `json:"total"`
	Removed   int `json:"removed"`
}

type apiCallStats struct {
	CallsAttempted int   `json:"calls_attempted"`
	ContactsMade   int   `json:"contacts_made"`
	Answered       int   `json:"answered"`
	NoAnswer       int   `json:"no_answer"`
	Busy           int   `json:"busy"`
	Failed         int   `json:"failed"`
	NotLogged      int   `json:"not_logged"`
	TalkSeconds    int64 `json:"talk_seconds"`
	RSVPYes        int   `json:"rsvp_yes"`
	RSVPNo         int   `json:"rsvp_no"`
	RSVPMaybe      int   `json:"rsvp_maybe"`
}

type apiCurrentCycle struct {
	Number        int       `json:"number"`
	StartedAt     time.Time `json:"started_at"`
	Available     int       `json:"available"`
	MoreAvailable bool      `json:"more_available"`
	Action        string    `json:"action"`
	ActionLabel   string    `json:"action_label"`
}

func newAPIDashboardSession(ss queue.Session) apiDashboardSession {
	return apiDashboardSession{ID: ss.ID, GroupID: ss.GroupID, ListID: ss.ListID, LeaderID: ss.LeaderID, Name: ss.Name,
		Cycle: ss.Cycle, Status: string(ss.Status), StatusLabel: ss.Status.Label(), PauseReason: ss.PauseReason,
		StartedAt: ss.StartedAt, LastActivityAt: ss.LastActivityAt, CreatedAt: ss.CreatedAt}
}

func newAPICallStats(cs queue.CallStats) apiCallStats {
	return apiCallStats{CallsAttempted: cs.CallsAttempted, ContactsMade: cs.ContactsMade, Answered: cs.Answered,
		NoAnswer: cs.NoAnswer, Busy: cs.Busy, Failed: cs.Failed, NotLogged: cs.NotLogged, TalkSeconds: cs.TalkSeconds,
		RSVPYes: cs.RSVPYes, RSVPNo: cs.RSVPNo, RSVPMaybe: cs.RSVPMaybe}
}

// apiSessionShow answers GET /api/v1/sessions/{id}.
func (s *Server) apiSessionShow(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeDashboardJSON(w, r, sess, http.StatusOK)
}

// writeDashboardJSON answers with the session's dashboard figures.
func (s *Server) writeDashboardJSON(w http.ResponseWriter, r *http.Request, sess queue.Session, status int) {
	st, err := s.sessionStats(r.Context(), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, wanted, err := s.store.PhoneWanted(r.Context(), sess.OrganisationID, sess.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, apiSessionDashboard{
		Session:  newAPIDashboardSession(sess),
		Progress: apiProgress{Completed: st.Progress.Completed, Total: st.Progress.Total, Removed: st.Progress.Removed},
		Impact:   newAPICallStats(st.Impact),
		HasEvent: st.HasEvent,
		CurrentCycle: apiCurrentCycle{Number: st.Current.Number, StartedAt: st.Current.StartedAt,
			Available: st.Current.Available, MoreAvailable: st.Current.MoreAvailable,
			Action: string(st.Current.Action), ActionLabel: st.Current.Action.Label()},
		PhoneWanted: wanted,
	})
}
