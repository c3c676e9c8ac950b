package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// How much of a supporter's past their card shows.
const (
	cardContacts = 20
	cardCalls    = 20
)

// cardContact is a contact on the supporter's card, with its earlier
// versions when it was corrected (R5.4) and whether this user may correct
// it (its author or an admin).
type cardContact struct {
	queue.Contact
	At         string
	CanCorrect bool
	History    []cardVersion // earlier versions, oldest first
}

type cardVersion struct {
	queue.ContactVersion
	At string
}

type cardCall struct {
	queue.SupporterCall
	At string
}

// supporterShow is the supporter's detail card in a session: the row's
// badge and actions, the green tick (R5.2), contact history with its
// corrections (R5.4), call records (R4.6) and skip audit (R6.2).
func (s *Server) supporterShow(w http.ResponseWriter, r *http.Request) {
	ss, sp, err := s.loadSheetSupporter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	card, err := s.supporterCard(w, r, ss, sp)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(w, r, "supporter_show").Set("Session", ss).Set("Self", supporterPath(ss.ID, sp.ID))
	for k, val := range card {
		v.Set(k, val)
	}
	v.Render()
}

// supporterCard reads what the card shows, as template values.
func (s *Server) supporterCard(w http.ResponseWriter, r *http.Request, ss sheetSession, sp queue.SessionSupporter) (map[string]any, error) {
	ctx, org, u := r.Context(), ss.OrganisationID, currentUser(r)
	audit, err := s.store.SkipAudit(ctx, org, ss.ID, sp.ID)
	if err != nil {
		return nil, err
	}
	tick, ticked, err := s.store.ContactStatus(ctx, org, sp.ID)
	if err != nil {
		return nil, err
	}
	contacts, err := s.store.ContactsOf(ctx, org, sp.ID, cardContacts)
	if err != nil {
		return nil, err
	}
	calls, err := s.store.SupporterCalls(ctx, org, sp.ID, cardCalls)
	if err != nil {
		return nil, err
	}
	rows := []sheetRow{ss.row(sp, s.clock.Now(), audit)}
	s.withMenus(w, r, rows, supporterPath(ss.ID, sp.ID))
	card := map[string]any{"Row": rows[0]}
	if ticked {
		card["Tick"] = tick
		card["TickAt"] = ss.when(tick.At)
	}
	// What each log said before any correction (a correction may come
	// within the same second as the log, so every log is asked).
	ids := make([]int64, len(contacts))
	for i, c := range contacts {
		ids[i] = c.ID
	}
	earlier, err := s.store.EarlierVersions(ctx, org, ids)
	if err != nil {
		return nil, err
	}
	cc := make([]cardContact, len(contacts))
	for i, c := range contacts {
		cc[i] = cardContact{Contact: c, At: ss.when(c.CreatedAt), CanCorrect: c.AuthorID == u.ID || u.Admin}
		for _, version := range earlier[c.ID] {
			cc[i].History = append(cc[i].History, cardVersion{ContactVersion: version, At: ss.when(version.WrittenAt)})
		}
	}
	card["Contacts"] = cc
	callRows := make([]cardCall, len(calls))
	for i, c := range calls {
		callRows[i] = cardCall{SupporterCall: c, At: ss.when(c.OriginatedAt)}
	}
	card["Calls"] = callRows
	return card, nil
}
