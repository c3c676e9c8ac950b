package web

import (
	"net/http"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// apiCurrentCall is the body of GET /api/v1/sessions/{id}/current-call: the
// current call card (R3.6). The supporter's number is whole for the
// session's leader only, as on the page.
type apiCurrentCall struct {
	Stage           string             `json:"stage"`
	StageLabel      string             `json:"stage_label"`
	PhoneWanted     bool               `json:"phone_wanted"`
	LeaderCall      *apiCallLeg        `json:"leader_call"`
	Call            *apiCallLeg        `json:"call"`
	Supporter       *apiCallSupporter  `json:"supporter"`
	Contact         *apiLoggedContact  `json:"contact"`
	EarlierContacts []apiLoggedContact `json:"earlier_contacts"`
}

// apiCallLeg is a call record without its numbers.
type apiCallLeg struct {
	ID              int64      `json:"id"`
	Leg             string     `json:"leg"`
	Cycle           int        `json:"cycle"`
	State           string     `json:"state"`
	Outcome         string     `json:"outcome"`
	OriginatedAt    time.Time  `json:"originated_at"`
	AnsweredAt      *time.Time `json:"answered_at"`
	EndedAt         *time.Time `json:"ended_at"`
	DurationSeconds int        `json:"duration_seconds"`
}

type apiCallSupporter struct {
	ID        int64    `json:"id"`
	FirstName string   `json:"first_name"`
	LastName  string   `json:"last_name"`
	Phone     string   `json:"phone"`
	Tags      []string `json:"tags"`
}

// apiLoggedContact is a contact log (R5).
type apiLoggedContact struct {
	ID             int64     `json:"id"`
	SessionID      int64     `json:"session_id"`
	Cycle          int       `json:"cycle"`
	SupporterID    int64     `json:"supporter_id"`
	CallID         int64     `json:"call_id"`
	AuthorID       int64     `json:"author_id"`
	AuthorName     string    `json:"author_name"`
	Contacted      bool      `json:"contacted"`
	RSVP           string    `json:"rsvp"`
	Method         string    `json:"method"`
	Notes          string    `json:"notes"`
	TagsAdded      []string  `json:"tags_added"`
	TagsRemoved    []string  `json:"tags_removed"`
	IdempotencyKey string    `json:"idempotency_key"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func newAPICallLeg(c *queue.CallRecord) *apiCallLeg {
	if c == nil {
		return nil
	}
	return &apiCallLeg{ID: c.ID, Leg: string(c.Leg), Cycle: c.Cycle, State: string(c.State), Outcome: string(c.Outcome),
		OriginatedAt: c.OriginatedAt, AnsweredAt: c.AnsweredAt, EndedAt: c.EndedAt, DurationSeconds: c.DurationSeconds}
}

func newAPILoggedContact(c queue.Contact) apiLoggedContact {
	return apiLoggedContact{ID: c.ID, SessionID: c.SessionID, Cycle: c.Cycle, SupporterID: c.SupporterID, CallID: c.CallID,
		AuthorID: c.AuthorID, AuthorName: c.AuthorName, Contacted: c.Contacted, RSVP: string(c.RSVP), Method: string(c.Method),
		Notes: c.Notes, TagsAdded: c.TagsAdded, TagsRemoved: c.TagsRemoved, IdempotencyKey: c.IdempotencyKey,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// apiCurrentCallShow answers GET /api/v1/sessions/{id}/current-call.
func (s *Server) apiCurrentCallShow(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cc, err := s.currentCall(r.Context(), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &sessionDashboard{Session: sess, Call: cc, IsLeader: sess.LeaderID == currentUser(r).ID}
	body := apiCurrentCall{Stage: string(cc.Stage), StageLabel: cc.Stage.Label(), PhoneWanted: cc.PhoneWanted,
		LeaderCall: newAPICallLeg(cc.Leader), Call: newAPICallLeg(cc.Call), EarlierContacts: []apiLoggedContact{}}
	if sp := cc.Supporter; sp != nil {
		body.Supporter = &apiCallSupporter{ID: sp.ID, FirstName: sp.FirstName, LastName: sp.LastName, Phone: d.Number(), Tags: sp.Tags}
	}
	if cc.Contact != nil {
		c := newAPILoggedContact(*cc.Contact)
		body.Contact = &c
	}
	for _, c := range cc.Earlier {
		body.EarlierContacts = append(body.EarlierContacts, newAPILoggedContact(c))
	}
	writeJSON(w, http.StatusOK, body)
}
