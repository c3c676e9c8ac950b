package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

type apiRowProblem struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

type apiImportReport struct {
	RowsRead     int             `json:"rows_read"`
	Blank        int             `json:"blank"`
	Inserted     int             `json:"inserted"`
	Updated      int             `json:"updated"`
	Unchanged    int             `json:"unchanged"`
	MembersAdded int             `json:"members_added"`
	Rejected     []apiRowProblem `json:"rejected"`
	Warnings     []apiRowProblem `json:"warnings"`
}

func problems(ps []queue.RowProblem) []apiRowProblem {
	out := make([]apiRowProblem, len(ps))
	for i, p := range ps {
		out[i] = apiRowProblem{Line: p.Line, Field: p.Field, Reason: p.Reason}
	}
	return out
}

// apiListImport answers POST /api/v1/lists/{id}/import: the multipart
// part "file" imported as the page does, and the report.
func (s *Server) apiListImport(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	report, err := s.importFile(r, lp)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiImportReport{RowsRead: report.RowsRead, Blank: report.Blank,
		Inserted: report.Inserted, Updated: report.Updated, Unchanged: report.Unchanged,
		MembersAdded: report.MembersAdded, Rejected: problems(report.Rejected), Warnings: problems(report.Warnings)})
}
