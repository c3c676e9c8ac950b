package web

import (
	"net/http"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// apiContactVersion is one version of a contact log (R5.4).
type apiContactVersion struct {
	Contacted     bool                `json:"contacted"`
	RSVP          queue.RSVP          `json:"rsvp"`
	Method        queue.ContactMethod `json:"method"`
	Notes         string              `json:"notes"`
	TagsAdded     []string            `json:"tags_added"`
	TagsRemoved   []string            `json:"tags_removed"`
	WrittenBy     int64               `json:"written_by"`
	WrittenByName string              `json:"written_by_name"`
	WrittenAt     time.Time           `json:"written_at"`
	ReplacedAt    *time.Time          `json:"replaced_at"`
}

// apiContactHistory answers GET /api/v1/contacts/{id}/history: every
// version of the log, oldest first, the current one last (R5.4). Anyone
// who may see the contact's session may read it.
func (s *Server) apiContactHistory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r)
	c, err := s.store.Contact(r.Context(), u.OrganisationID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sess, err := s.store.Session(r.Context(), u.OrganisationID, c.SessionID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !u.CanSee(sess) {
		s.fail(w, r, errNoSessionRole)
		return
	}
	versions, err := s.store.ContactHistory(r.Context(), u.OrganisationID, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Versions []apiContactVersion `json:"versions"`
	}{Versions: make([]apiContactVersion, len(versions))}
	for i, v := range versions {
		out.Versions[i] = apiContactVersion{Contacted: v.Contacted, RSVP: v.RSVP, Method: v.Method, Notes: v.Notes,
			TagsAdded: nonNil(v.TagsAdded), TagsRemoved: nonNil(v.TagsRemoved), WrittenBy: v.WrittenBy,
			WrittenByName: v.WrittenByName, WrittenAt: v.WrittenAt, ReplacedAt: v.ReplacedAt}
	}
	writeJSON(w, http.StatusOK, out)
}
