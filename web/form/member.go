package form

import (
	"net/http"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// MemberForm is the call list's "Add a supporter of the group" form: a
// phone number or a supporter id ("#123"), which queue.FindGroupSupporter
// reads.
type MemberForm struct {
	Supporter string
}

// NewMemberForm reads the form from the request.
func NewMemberForm(r *http.Request) MemberForm {
	return MemberForm{Supporter: strings.TrimSpace(r.PostFormValue("supporter"))}
}

// SupporterForm is the call list's "Add a new supporter" form: the
// supporter is created in the list's group, then added to the list.
type SupporterForm struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone"`
}

// NewSupporterForm reads the form from the request.
func NewSupporterForm(r *http.Request) SupporterForm {
	return SupporterForm{
		FirstName: r.PostFormValue("first_name"),
		LastName:  r.PostFormValue("last_name"),
		Phone:     r.PostFormValue("phone"),
	}
}

// Validate asks for a first name: a leader greets the supporter by it. The
// phone's rules (and the names' lengths) are the queue's.
func (f SupporterForm) Validate() error {
	if strings.TrimSpace(f.FirstName) == "" {
		return queue.FieldErrorf("first_name", "is required")
	}
	return nil
}

// Input is the supporter the form describes.
func (f SupporterForm) Input() queue.SupporterInput {
	return queue.SupporterInput{FirstName: f.FirstName, LastName: f.LastName, Phone: f.Phone}
}
