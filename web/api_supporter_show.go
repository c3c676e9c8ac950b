package web

import (
	"net/http"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// apiSupporterCard is the body of GET /api/v1/sessions/{id}/supporters/{sid}:
// the supporter as the sheet shows them, their skip audit (R6.2), green
// tick (R5.2), contacts (R5) and calls (R4.6).
type apiSupporterCard struct {
	Supporter apiSheetSupporter  `json:"supporter"`
	Audit     []apiAuditEntry    `json:"audit"`
	Tick      *apiTick           `json:"tick"`
	Contacts  []apiContactLog    `json:"contacts"`
	Calls     []apiSupporterCall `json:"calls"`
}

type apiAuditEntry struct {
	ID        int64            `json:"id"`
	Action    queue.SkipAction `json:"action"`
	Type      queue.SkipType   `json:"type"`
	Until     *time.Time       `json:"until"`
	Reason    string           `json:"reason"`
	ActorID   int64            `json:"actor_id"`
	ActorName string           `json:"actor_name"`
	At        time.Time        `json:"at"`
}

type apiTick struct {
	ContactID   int64     `json:"contact_id"`
	AuthorID    int64     `json:"author_id"`
	AuthorName  string    `json:"author_name"`
	At          time.Time `json:"at"`
	SessionID   int64     `json:"session_id"`
	SessionName string    `json:"session_name"`
}

// apiContactLog is a contact as it reads now (R5, R5.4).
type apiContactLog struct {
	ID          int64               `json:"id"`
	SessionID   int64               `json:"session_id"`
	SupporterID int64               `json:"supporter_id"`
	CallID      int64               `json:"call_id"`
	Cycle       int                 `json:"cycle"`
	AuthorID    int64               `json:"author_id"`
	AuthorName  string              `json:"author_name"`
	Contacted   bool                `json:"contacted"`
	RSVP        queue.RSVP          `json:"rsvp"`
	Method      queue.ContactMethod `json:"method"`
	Notes       string              `json:"notes"`
	TagsAdded   []string            `json:"tags_added"`
	TagsRemoved []string            `json:"tags_removed"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
	UpdatedBy   int64               `json:"updated_by"`
}

func newAPIContactLog(c queue.Contact) apiContactLog {
	return apiContactLog{ID: c.ID, SessionID: c.SessionID, SupporterID: c.SupporterID, CallID: c.CallID, Cycle: c.Cycle,
		AuthorID: c.AuthorID, AuthorName: c.AuthorName, Contacted: c.Contacted, RSVP: c.RSVP, Method: c.Method,
		Notes: c.Notes, TagsAdded: nonNil(c.TagsAdded), TagsRemoved: nonNil(c.TagsRemoved),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, UpdatedBy: c.UpdatedBy}
}

type apiSupporterCall struct {
	ID              int64           `json:"id"`
	SessionID       int64           `json:"session_id"`
	SessionName     string          `json:"session_name"`
	Cycle           int             `json:"cycle"`
	LeaderID        int64           `json:"leader_id"`
	State           queue.CallState `json:"state"`
	Outcome         queue.Outcome   `json:"outcome"`
	OriginatedAt    time.Time       `json:"originated_at"`
	AnsweredAt      *time.Time      `json:"answered_at"`
	EndedAt         *time.Time      `json:"ended_at"`
	DurationSeconds int             `json:"duration_seconds"`
	HangupCause     string          `json:"hangup_cause"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apiSupporterShow answers GET /api/v1/sessions/{id}/supporters/{sid}.
func (s *Server) apiSupporterShow(w http.ResponseWriter, r *http.Request) {
	ss, sp, err := s.loadSheetSupporter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, org := r.Context(), ss.OrganisationID
	audit, err := s.store.SkipAudit(ctx, org, ss.ID, sp.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tick, ticked, err := s.store.ContactStatus(ctx, org, sp.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	contacts, err := s.store.ContactsOf(ctx, org, sp.ID, cardContacts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	calls, err := s.store.SupporterCalls(ctx, org, sp.ID, cardCalls)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	card := apiSupporterCard{Supporter: newAPISheetSupporter(ss.row(sp, s.clock.Now(), nil)),
		Audit: make([]apiAuditEntry, len(audit)), Contacts: make([]apiContactLog, len(contacts)),
		Calls: make([]apiSupporterCall, len(calls))}
	for i, e := range audit {
		card.Audit[i] = apiAuditEntry{ID: e.ID, Action: e.Action, Type: e.Type, Until: e.Until, Reason: e.Reason,
			ActorID: e.ActorID, ActorName: e.ActorName, At: e.At}
	}
	if ticked {
		card.Tick = &apiTick{ContactID: tick.ContactID, AuthorID: tick.AuthorID, AuthorName: tick.AuthorName, At: tick.At,
			SessionID: tick.SessionID, SessionName: tick.SessionName}
	}
	for i, c := range contacts {
		card.Contacts[i] = newAPIContactLog(c)
	}
	for i, c := range calls {
		card.Calls[i] = apiSupporterCall{ID: c.ID, SessionID: c.SessionID, SessionName: c.SessionName, Cycle: c.Cycle,
			LeaderID: c.LeaderID, State: c.State, Outcome: c.Outcome, OriginatedAt: c.OriginatedAt,
			AnsweredAt: c.AnsweredAt, EndedAt: c.EndedAt, DurationSeconds: c.DurationSeconds, HangupCause: c.HangupCauseText}
	}
	writeJSON(w, http.StatusOK, card)
}
