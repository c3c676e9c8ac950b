package web

import (
	"net/http"
	"strconv"

	"github.com/supporterbase/callingsessions/queue"
)

// apiMember is a member of a call list. Phone is masked for users who only
// look at the list (members, the role), as on the page.
type apiMember struct {
	ID         int64    `json:"id"`
	FirstName  string   `json:"first_name"`
	LastName   string   `json:"last_name"`
	Phone      string   `json:"phone"`
	PhoneValid bool     `json:"phone_valid"`
	Tags       []string `json:"tags"`
	Position   int64    `json:"position"`
}

func newAPIMember(lp listPage, sp queue.Supporter, position int64) apiMember {
	tags := sp.Tags
	if tags == nil {
		tags = []string{}
	}
	return apiMember{ID: sp.ID, FirstName: sp.FirstName, LastName: sp.LastName, Phone: lp.showPhone(sp.Phone),
		PhoneValid: sp.Phone.Valid, Tags: tags, Position: position}
}

// apiMemberIndex answers GET /api/v1/lists/{id}/members: a page of the
// list's members in queue order, ?search= by name or phone, ?after= the
// previous page's next_after, ?limit= up to 1000.
func (s *Server) apiMemberIndex(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := queue.ListMemberQuery{Search: r.URL.Query().Get("search")}
	if q.AfterPosition, err = queryInt(r, "after"); err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q.Limit = int(limit)
	page, err := s.store.SearchListMembers(r.Context(), lp.List.OrganisationID, lp.List.ID, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]apiMember, len(page.Members))
	for i, m := range page.Members {
		out[i] = newAPIMember(lp, m.Supporter, m.Position)
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": out, "next_after": page.NextAfter})
}

// queryInt reads an optional whole-number query parameter: 0 when absent,
// EINVALID naming it when it is not a number.
func queryInt(r *http.Request, name string) (int64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, queue.FieldErrorf(name, "must be a whole number")
	}
	return n, nil
}
