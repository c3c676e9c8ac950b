package web

import (
	"net/http"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// skipSave takes the "Skip for…" dialog (R6): the skip, and with "do not
// contact" the number on the do-not-call list in the same transaction
// (R7.4). A refusal (bad date, missing reason, the supporter on a call in
// this session, R6.4) shows the dialog again with the reason; nothing
// changes.
func (s *Server) skipSave(w http.ResponseWriter, r *http.Request) {
	ss, sp, err := s.loadSheetSupporter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := form.NewSkipForm(r)
	f.Back = backTo(f.Back, ss.ID)
	in, err := f.Input()
	if err == nil {
		_, err = s.store.Skip(r.Context(), currentUser(r), ss.ID, sp.ID, in)
	}
	if err != nil {
		v, verr := s.skipView(w, r, ss, sp, f)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.RenderError(err)
		return
	}
	s.flash(r, skipAlert(supporterName(sp.Supporter), in))
	http.Redirect(w, r, f.Back, http.StatusSeeOther)
}

// skipAlert is the success alert of a skip.
func skipAlert(name string, in queue.SkipInput) string {
	switch in.Type {
	case queue.SkipRemove:
		msg := name + " was removed from this session"
		if in.DoNotCall {
			msg += " and their number added to the do-not-call list"
		}
		return msg + "."
	case queue.SkipDate:
		return name + " is skipped until " + strings.TrimSpace(in.Date) + "."
	case queue.SkipCycle:
		return name + " is skipped for this cycle."
	case queue.SkipToday:
		return name + " is skipped for today."
	}
	return name + " is skipped for " + in.Type.Label() + "."
}
