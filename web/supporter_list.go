package web

import (
	"net/http"
	"net/url"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// sheetStatuses are the sheet's status filter, in the order it offers them.
var sheetStatuses = []struct{ Value, Label string }{
	{"", "All"}, {"available", "Available"}, {"skipped", "Skipped"}, {"unavailable", "Unavailable"}, {"completed", "Completed"},
}

// supporterList is the View all supporters sheet (R3.5): a page of the
// session's supporters in queue order, filtered by status and searched by
// name or number, each with its status badge, its skip audit and its
// three-dot menu. A bad filter shows the sheet again with the field at
// fault (422).
func (s *Server) supporterList(w http.ResponseWriter, r *http.Request) {
	ss, err := s.loadSheetSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.NewSupporterFilter(r)
	v := s.view(w, r, "supporter_list").Set("Session", ss).Set("Filter", f).Set("Statuses", sheetStatuses).
		Set("Self", withQuery(sheetPath(ss.ID), r.URL.Query())).Set("FirstPage", withQuery(sheetPath(ss.ID), f.Values("")))
	if s.opts.Live != nil {
		// The cursor is read before the page, so no change between is missed.
		v.Set("LiveURL", withQuery(dashboardPath(ss.ID)+"/events", url.Values{"since": {s.opts.Live.Cursor()}}))
	}
	q, err := f.Query()
	if err != nil {
		v.RenderError(err)
		return
	}
	page, err := s.store.SessionSupporters(r.Context(), ss.OrganisationID, ss.ID, q)
	if err != nil {
		v.RenderError(err)
		return
	}
	rows, err := s.sheetRows(r, ss, page.Supporters)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.withMenus(w, r, rows, withQuery(sheetPath(ss.ID), r.URL.Query()))
	v.Set("Rows", rows)
	if page.NextCursor != "" {
		v.Set("NextPage", withQuery(sheetPath(ss.ID), f.Values(page.NextCursor)))
	}
	v.Render()
}

// sheetRows makes the page's rows, with every row's skip audit read at once.
func (s *Server) sheetRows(r *http.Request, ss sheetSession, sps []queue.SessionSupporter) ([]sheetRow, error) {
	ids := make([]int64, len(sps))
	for i, sp := range sps {
		ids[i] = sp.ID
	}
	audits, err := s.store.SkipAudits(r.Context(), ss.OrganisationID, ss.ID, ids)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	rows := make([]sheetRow, len(sps))
	for i, sp := range sps {
		rows[i] = ss.row(sp, now, audits[sp.ID])
	}
	return rows, nil
}
