package web

import (
	"fmt"
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// contactEdit corrects an earlier contact log (R5.4), from the supporter's
// card: the log's fields as now, and every earlier version under them.
// Only its author or an admin may (the queue's rule; others get 403).
func (s *Server) contactEdit(w http.ResponseWriter, r *http.Request) {
	c, err := s.loadContactToCorrect(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.ContactCorrectionFormOf(c)
	f.Back = r.URL.Query().Get("back")
	v, err := s.contactView(w, r, c, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Render()
}

// loadContactToCorrect finds the route's contact for the current user:
// ENOTFOUND for another organisation's, EFORBIDDEN unless they wrote it or
// are an admin.
func (s *Server) loadContactToCorrect(r *http.Request) (queue.Contact, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return queue.Contact{}, err
	}
	u := currentUser(r)
	c, err := s.store.Contact(r.Context(), u.OrganisationID, id)
	if err != nil {
		return queue.Contact{}, err
	}
	if c.AuthorID != u.ID && !u.Admin {
		return queue.Contact{}, queue.Errorf(queue.EFORBIDDEN, "only the contact's author or an admin may correct it")
	}
	return c, nil
}

// contactView is the correction page with f in it.
func (s *Server) contactView(w http.ResponseWriter, r *http.Request, c queue.Contact, f form.ContactCorrectionForm) (*view, error) {
	ctx, org := r.Context(), c.OrganisationID
	sess, err := s.store.Session(ctx, org, c.SessionID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.List(ctx, org, sess.ListID)
	if err != nil {
		return nil, err
	}
	sp, err := s.store.Supporter(ctx, org, c.SupporterID)
	if err != nil {
		return nil, err
	}
	versions, err := s.store.ContactHistory(ctx, org, c.ID)
	if err != nil {
		return nil, err
	}
	ss := viewerSession(currentUser(r), sess)
	history := make([]cardVersion, 0, len(versions)-1)
	for _, version := range versions[:len(versions)-1] {
		history = append(history, cardVersion{ContactVersion: version, At: ss.when(version.WrittenAt)})
	}
	card := supporterPath(sess.ID, sp.ID)
	f.Back = contactBack(c, f.Back)
	return s.view(w, r, "contact_edit").Set("Contact", c).Set("At", ss.when(c.CreatedAt)).
		Set("SupporterName", supporterName(sp)).Set("SessionName", sess.Name).Set("Card", card).
		Set("HasEvent", list.EventID != 0).Set("Methods", queue.ContactMethods).Set("History", history).
		Set("Form", f).Set("MaxNotes", queue.MaxNotesLen).
		Set("Action", fmt.Sprintf("/contacts/%d", c.ID)), nil
}

// contactBack is where a correction returns: the page it came from under
// the contact's session, else the supporter's card there.
func contactBack(c queue.Contact, back string) string {
	if p := backTo(back, c.SessionID); p != sheetPath(c.SessionID) || back == p {
		return p
	}
	return supporterPath(c.SessionID, c.SupporterID)
}
