package web

import (
	"net/http"
	"strconv"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// apiMemberAddBody names the supporter to add in one of three ways: a
// phone number or "#id" as the page's box takes it, an id, or a new
// supporter to create in the list's group.
type apiMemberAddBody struct {
	Supporter    string              `json:"supporter"`
	SupporterID  int64               `json:"supporter_id"`
	NewSupporter *form.SupporterForm `json:"new_supporter"`
}

// apiMemberAdd answers POST /api/v1/lists/{id}/members: 201 when the
// supporter joined the list, 200 when they were on it already.
func (s *Server) apiMemberAdd(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body apiMemberAddBody
	if err := decodeJSON(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	var sp queue.Supporter
	joined := true
	switch {
	case body.NewSupporter != nil && body.Supporter == "" && body.SupporterID == 0:
		sp, err = s.createMember(r, lp, *body.NewSupporter)
	case body.NewSupporter == nil && body.Supporter != "" && body.SupporterID == 0:
		sp, joined, err = s.addMember(r, lp, body.Supporter)
	case body.NewSupporter == nil && body.Supporter == "" && body.SupporterID > 0:
		sp, joined, err = s.addMember(r, lp, "#"+strconv.FormatInt(body.SupporterID, 10))
	default:
		err = queue.Errorf(queue.EINVALID, "give one of supporter, supporter_id or new_supporter")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if !joined {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"member": newAPIMember(lp, sp, 0), "joined": joined})
}
