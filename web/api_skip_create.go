package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/web/form"
)

// apiSkipCreate answers POST /api/v1/sessions/{id}/supporters/{sid}/skip
// (R6), with the supporter as the sheet now shows them. EINVALID (422)
// naming the field for an unknown type, a past date, a missing or long
// reason, do_not_call without "remove"; 409 for a supporter on a call in
// this session (R6.4) or already contacted.
func (s *Server) apiSkipCreate(w http.ResponseWriter, r *http.Request) {
	ss, sp, err := s.loadSheetSupporter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var f form.SkipForm
	if err := decodeJSON(r, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := f.Input()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.Skip(r.Context(), currentUser(r), ss.ID, sp.ID, in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeSheetSupporter(w, r, ss, sp.ID, "")
}

// writeSheetSupporter answers an action with the supporter as the sheet
// shows them after it, and the action's alert.
func (s *Server) writeSheetSupporter(w http.ResponseWriter, r *http.Request, ss sheetSession, supporterID int64, message string) {
	sp, err := s.store.SessionSupporter(r.Context(), ss.OrganisationID, ss.ID, supporterID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiSheetAction{Supporter: newAPISheetSupporter(ss.row(sp, s.clock.Now(), nil)), Message: message})
}

// apiSheetAction is the body of the sheet's actions' answers.
type apiSheetAction struct {
	Supporter apiSheetSupporter `json:"supporter"`
	Message   string            `json:"message,omitempty"`
}
