package form

import (
	"net/http"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// ContactCorrectionForm corrects an earlier contact log (R5.4) from the
// supporter's card, with the fields of the dashboard's log form (R5.1):
// Contacted?, RSVP (when the list has an event), method, notes, and the
// tags the log adds and removes (comma-separated on the page).
type ContactCorrectionForm struct {
	Contacted  string // "yes" or "no"
	RSVP       string
	Method     string
	Notes      string
	TagsAdd    string
	TagsRemove string
	Back       string // the card to go back to
}

// NewContactCorrectionForm reads the form from the request.
func NewContactCorrectionForm(r *http.Request) ContactCorrectionForm {
	return ContactCorrectionForm{
		Contacted:  r.PostFormValue("contacted"),
		RSVP:       r.PostFormValue("rsvp"),
		Method:     r.PostFormValue("method"),
		Notes:      r.PostFormValue("notes"),
		TagsAdd:    r.PostFormValue("tags_add"),
		TagsRemove: strings.Join(r.PostForm["tags_remove"], ", "), // a box, or one checkbox per tag
		Back:       r.PostFormValue("back"),
	}
}

// ContactCorrectionFormOf fills the form with the contact as it reads now.
func ContactCorrectionFormOf(c queue.Contact) ContactCorrectionForm {
	contacted := "no"
	if c.Contacted {
		contacted = "yes"
	}
	return ContactCorrectionForm{Contacted: contacted, RSVP: string(c.RSVP), Method: string(c.Method),
		Notes: c.Notes, TagsAdd: strings.Join(c.TagsAdded, ", "), TagsRemove: strings.Join(c.TagsRemoved, ", ")}
}

// Input is the correction the form asks for. EINVALID (field "contacted")
// unless Contacted? is answered; the queue checks the rest.
func (f ContactCorrectionForm) Input() (queue.ContactInput, error) {
	var contacted bool
	switch f.Contacted {
	case "yes":
		contacted = true
	case "no":
	default:
		return queue.ContactInput{}, queue.FieldErrorf("contacted", "choose yes or no")
	}
	return queue.ContactInput{Contacted: contacted, RSVP: queue.RSVP(f.RSVP), Method: queue.ContactMethod(f.Method),
		Notes: f.Notes, TagsAdd: splitTags(f.TagsAdd), TagsRemove: splitTags(f.TagsRemove)}, nil
}

// ContactCorrection is the body of PUT /api/v1/contacts/{id}: the same
// fields as JSON, every one of them (a PUT replaces the log).
type ContactCorrection struct {
	Contacted  *bool    `json:"contacted"`
	RSVP       string   `json:"rsvp"`
	Method     string   `json:"method"`
	Notes      string   `json:"notes"`
	TagsAdd    []string `json:"tags_add"`
	TagsRemove []string `json:"tags_remove"`
}

// Input is the correction asked for. EINVALID (field "contacted") when it
// is missing.
func (c ContactCorrection) Input() (queue.ContactInput, error) {
	if c.Contacted == nil {
		return queue.ContactInput{}, queue.FieldErrorf("contacted", "is required (true or false)")
	}
	return queue.ContactInput{Contacted: *c.Contacted, RSVP: queue.RSVP(c.RSVP), Method: queue.ContactMethod(c.Method),
		Notes: c.Notes, TagsAdd: c.TagsAdd, TagsRemove: c.TagsRemove}, nil
}
