package form

import (
	"net/http"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// SkipForm is the "Skip for…" dialog (R6), and the body of POST
// /api/v1/sessions/{id}/supporters/{sid}/skip. The rules (which date, how
// long a reason) are the queue's.
type SkipForm struct {
	Type      string `json:"type"`
	Date      string `json:"date,omitempty"`   // YYYY-MM-DD, for "date"
	Reason    string `json:"reason,omitempty"` // required for "remove"
	DoNotCall bool   `json:"do_not_call,omitempty"`
	Back      string `json:"-"` // the page to go back to
}

// NewSkipForm reads the dialog. Its "do not contact" box sits under Remove
// from this session: ticked with another type chosen, it is not for that
// type and is left out. The API takes it as sent (and refuses it so).
func NewSkipForm(r *http.Request) SkipForm {
	f := SkipForm{
		Type:   strings.TrimSpace(r.PostFormValue("type")),
		Date:   strings.TrimSpace(r.PostFormValue("date")),
		Reason: r.PostFormValue("reason"),
		Back:   r.PostFormValue("back"),
	}
	f.DoNotCall = r.PostFormValue("do_not_call") != "" && f.Type == string(queue.SkipRemove)
	if f.Type != string(queue.SkipDate) {
		f.Date = "" // the date box is for a custom date only
	}
	return f
}

// Input is the skip the form asks for. EINVALID (field "type") for an
// unknown type.
func (f SkipForm) Input() (queue.SkipInput, error) {
	t, err := queue.ParseSkipType(f.Type)
	if err != nil {
		return queue.SkipInput{}, err
	}
	return queue.SkipInput{Type: t, Date: f.Date, Reason: f.Reason, DoNotCall: f.DoNotCall}, nil
}
