package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// memberRow is a member as the list page shows it.
type memberRow struct {
	ID           int64
	Name         string
	Phone        string // whole, or masked for those who only look
	InvalidPhone bool   // kept, never dialled (R1.3)
	Tags         []string
}

// listShow shows a call list (R1.4): its members, paged and searchable,
// and Start a calling session (R2.1, R2.2).
func (s *Server) listShow(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.listView(w, r, lp, form.SessionFormOf(currentUser(r), lp.List))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Render()
}

// listView is the list page with start in its Start form, for the page
// and for the form shown again with an error. The members page follows
// the query: ?q= searches by name or phone, ?after= is the keyset cursor.
func (s *Server) listView(w http.ResponseWriter, r *http.Request, lp listPage, start form.SessionForm) (*view, error) {
	query := r.URL.Query()
	search := query.Get("q")
	after, _ := strconv.ParseInt(query.Get("after"), 10, 64)
	v := s.view(w, r, "list_show").Set("L", lp).Set("Tab", "members").Set("StartForm", start).Set("Search", search)
	page, err := s.store.SearchListMembers(r.Context(), lp.List.OrganisationID, lp.List.ID,
		queue.ListMemberQuery{Search: search, AfterPosition: max(after, 0)})
	if queue.ErrorCode(err) == queue.EINVALID {
		// A search too long: said beside the search box; the rest of the
		// page still works.
		_, message := errorParts(err)
		return v.Set("SearchError", sentence("search", message)), nil
	}
	if err != nil {
		return nil, err
	}
	rows := make([]memberRow, len(page.Members))
	for i, m := range page.Members {
		rows[i] = memberRow{ID: m.ID, Name: supporterName(m.Supporter), Phone: lp.showPhone(m.Phone),
			InvalidPhone: !m.Phone.Valid, Tags: m.Tags}
	}
	v.Set("Members", rows).Set("Paged", after > 0)
	if page.NextAfter != 0 {
		next := url.Values{"after": {strconv.FormatInt(page.NextAfter, 10)}}
		if search != "" {
			next.Set("q", search)
		}
		v.Set("NextPage", "?"+next.Encode())
	}
	return v, nil
}

// supporterName is a supporter's name for a page, never empty.
func supporterName(sp queue.Supporter) string {
	switch {
	case sp.FirstName != "" && sp.LastName != "":
		return sp.FirstName + " " + sp.LastName
	case sp.FirstName+sp.LastName != "":
		return sp.FirstName + sp.LastName
	}
	return "Supporter #" + strconv.FormatInt(sp.ID, 10)
}
