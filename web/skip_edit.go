package web

import (
	"net/http"
	"time"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// skipChoices are the "Skip for…" types (R6), in the dialog's order.
var skipChoices = []queue.SkipType{queue.Skip15Minutes, queue.Skip30Minutes, queue.Skip1Hour, queue.Skip2Hours,
	queue.SkipToday, queue.SkipDate, queue.SkipCycle, queue.SkipRemove}

// skipEdit is the "Skip for…" dialog of a row's three-dot menu (R6), as a
// page of its own: sheet.js shows it in a dialog over the sheet.
func (s *Server) skipEdit(w http.ResponseWriter, r *http.Request) {
	ss, sp, err := s.loadSheetSupporter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.SkipForm{Type: string(queue.Skip15Minutes), Back: backTo(r.URL.Query().Get("back"), ss.ID)}
	v, err := s.skipView(w, r, ss, sp, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Render()
}

// skipView is the dialog's page with f in it. Custom dates are days of the
// session leader's calendar (the queue counts them so): the picker starts
// at their tomorrow.
func (s *Server) skipView(w http.ResponseWriter, r *http.Request, ss sheetSession, sp queue.SessionSupporter, f form.SkipForm) (*view, error) {
	leader, err := s.store.User(r.Context(), ss.OrganisationID, ss.LeaderID)
	if err != nil {
		return nil, err
	}
	loc, err := queue.LoadLocation(leader.Timezone)
	if err != nil {
		loc = time.UTC
	}
	y, m, d := s.clock.Now().In(loc).Date()
	tomorrow := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	return s.view(w, r, "skip_edit").Set("Session", ss).Set("Row", ss.row(sp, s.clock.Now(), nil)).
		Set("Form", f).Set("Choices", skipChoices).Set("LeaderTimezone", leader.Timezone).
		Set("MinDate", tomorrow.Format(time.DateOnly)).
		Set("MaxDate", tomorrow.AddDate(queue.MaxSkipAhead, 0, -1).Format(time.DateOnly)).
		Set("MaxReason", queue.MaxSkipReasonLen), nil
}
