package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// Success alerts of Start a calling session (R2.3).
const (
	flashSessionCreated = "Session created"
	flashSessionResumed = "You already have a session on this list: resumed"
)

// sessionStart takes the list page's Start a calling session form: it
// creates the leader's session on the list, or resumes the one they have
// (R2.3), and goes to its dashboard either way. Who may, and the mobile
// number it needs, are the queue's rules (StartSession: EFORBIDDEN for a
// member, EINVALID "mobile" without a number); a bad name shows the list
// page again with the error on the name and nothing created (R12).
func (s *Server) sessionStart(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.NewSessionForm(r)
	err = f.Validate()
	var sess queue.Session
	var created bool
	if err == nil || !lp.CanLead {
		// The queue says who may: one who may not is refused as such
		// (403), whatever the name.
		sess, created, err = s.store.StartSession(r.Context(), currentUser(r), lp.List.ID, f.Name)
	}
	if err != nil {
		if queue.ErrorCode(err) != queue.EINVALID {
			s.fail(w, r, err)
			return
		}
		v, viewErr := s.listView(w, r, lp, f)
		if viewErr != nil {
			s.fail(w, r, viewErr)
			return
		}
		v.RenderError(err)
		return
	}
	if created {
		s.flash(r, flashSessionCreated)
	} else {
		s.flash(r, flashSessionResumed)
	}
	http.Redirect(w, r, dashboardPath(sess.ID), http.StatusSeeOther)
}
