package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// contactCreate logs the current call card's contact form (R5.1). The form
// carries the idempotency key it was drawn with, so a double click or a
// retry returns the first log, and a second tab's form for the same call
// finds the log already there (R5.3): either way the leader is told what
// was logged and nothing is logged twice. Bad input shows the dashboard
// again with the field at fault and nothing saved (R12).
func (s *Server) contactCreate(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.NewContactForm(r)
	c, err := s.logContact(r, sess.ID, f)
	if err != nil {
		s.dashboardView(w, r, &f, func(v *view) { v.RenderError(err) })
		return
	}
	s.flash(r, s.contactLoggedAlert(r, c, f.IdempotencyKey))
	http.Redirect(w, r, dashboardPath(sess.ID)+"#current-call", http.StatusSeeOther)
}

// logContact checks and logs a contact form, for the page and the API.
func (s *Server) logContact(r *http.Request, sessionID int64, f form.ContactForm) (queue.Contact, error) {
	if err := f.Validate(); err != nil {
		return queue.Contact{}, err
	}
	return s.store.LogContact(r.Context(), currentUser(r), sessionID, f.Input())
}

// contactLoggedAlert is the success alert of a log: this submission's, or
// the one that was there first (the keypad, another tab).
func (s *Server) contactLoggedAlert(r *http.Request, c queue.Contact, key string) string {
	if c.Existing && c.IdempotencyKey != key {
		return fmt.Sprintf("A contact was already logged for this call by %s: nothing changed.", c.AuthorName)
	}
	outcome := "not contacted"
	if c.Contacted {
		outcome = "contacted"
	}
	name := ""
	if sp, err := s.store.Supporter(r.Context(), c.OrganisationID, c.SupporterID); err == nil {
		name = strings.TrimSpace(sp.FirstName + " " + sp.LastName)
	}
	if name == "" {
		return fmt.Sprintf("Contact logged: %s.", outcome)
	}
	return fmt.Sprintf("Contact logged for %s: %s.", name, outcome)
}
