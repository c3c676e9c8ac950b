package form

import (
	"net/http"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// SessionForm is the list page's Start a calling session form (R2.1), and
// the body of POST /api/v1/lists/{id}/sessions.
type SessionForm struct {
	Name string `json:"name"`
}

// NewSessionForm reads the Start form from the request.
func NewSessionForm(r *http.Request) SessionForm {
	return SessionForm{Name: r.PostFormValue("name")}
}

// SessionFormOf is the form as the page first shows it: the default name,
// "<leader first name> - <list name>", for the leader to keep or edit.
func SessionFormOf(leader queue.User, list queue.List) SessionForm {
	return SessionForm{Name: queue.DefaultSessionName(leader, list)}
}

// Validate refuses a name box left empty: the page always fills it, so an
// empty one was emptied on purpose (the queue would take it for the
// default). The length rule is the queue's.
func (f SessionForm) Validate() error {
	if strings.TrimSpace(f.Name) == "" {
		return queue.FieldErrorf("name", "must be 1-%d characters", queue.MaxSessionNameLen)
	}
	return nil
}
