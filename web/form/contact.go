package form

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// ContactForm is the contact log of the dashboard's current call card
// (R5.1), and the body of POST /api/v1/sessions/{id}/contacts. The page
// sends Contacted as "yes" or "no" and the tags to add as one box of
// comma-separated tags; the API sends a boolean and a list.
//
// IdempotencyKey is drawn when the form is drawn (NewContactKey) and sent
// with every submission of it, so a double click or a retry logs once; a
// second tab has another key but the same call, and the queue logs one
// contact per call (R5.3).
type ContactForm struct {
	CallID         int64    `json:"call_id"`
	SupporterID    int64    `json:"supporter_id"`
	Contacted      *bool    `json:"contacted"`
	RSVP           string   `json:"rsvp"`
	Method         string   `json:"method"`
	Notes          string   `json:"notes"`
	TagsAdd        []string `json:"tags_add"`
	TagsRemove     []string `json:"tags_remove"`
	IdempotencyKey string   `json:"idempotency_key"`
	// badID names an id field the page sent that is not a number.
	badID string
}

// NewContactForm reads the dashboard's contact form from the request.
func NewContactForm(r *http.Request) ContactForm {
	f := ContactForm{
		RSVP:           r.PostFormValue("rsvp"),
		Method:         r.PostFormValue("method"),
		Notes:          r.PostFormValue("notes"),
		TagsAdd:        splitTags(r.PostFormValue("tags_add")),
		TagsRemove:     r.PostForm["tags_remove"],
		IdempotencyKey: r.PostFormValue("idempotency_key"),
	}
	for _, id := range []struct {
		name string
		to   *int64
	}{{"call_id", &f.CallID}, {"supporter_id", &f.SupporterID}} {
		raw := r.PostFormValue(id.name)
		if raw == "" {
			continue
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			f.badID = id.name
			continue
		}
		*id.to = n
	}
	if v := r.PostFormValue("contacted"); v == "yes" || v == "no" {
		contacted := v == "yes"
		f.Contacted = &contacted
	}
	return f
}

// splitTags reads a box of comma-separated tags.
func splitTags(s string) []string {
	var tags []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// NewContactKey is the idempotency key of one drawing of the form for a
// call: "web-<call id>-<random>".
func NewContactKey(callID int64, random string) string {
	return "web-" + strconv.FormatInt(callID, 10) + "-" + random
}

// Validate asks for what only the form knows: a yes or no for Contacted,
// and ids that are numbers. The rest (notes' length, the RSVP only with an
// event, the method, the tags, the key) is the queue's to refuse.
func (f ContactForm) Validate() error {
	switch {
	case f.badID != "":
		return queue.FieldErrorf(f.badID, "is not an id")
	case f.SupporterID == 0:
		return queue.FieldErrorf("supporter_id", "is required")
	case f.Contacted == nil:
		return queue.FieldErrorf("contacted", "choose yes or no")
	}
	return nil
}

// Input is the log the form asks for.
func (f ContactForm) Input() queue.ContactInput {
	in := queue.ContactInput{CallID: f.CallID, SupporterID: f.SupporterID, RSVP: queue.RSVP(f.RSVP),
		Method: queue.ContactMethod(f.Method), Notes: f.Notes, TagsAdd: f.TagsAdd, TagsRemove: f.TagsRemove,
		IdempotencyKey: f.IdempotencyKey}
	if f.Contacted != nil {
		in.Contacted = *f.Contacted
	}
	return in
}

// ContactedValue is Contacted as the page's radio buttons name it: "yes",
// "no", or "" when not chosen yet.
func (f ContactForm) ContactedValue() string {
	switch {
	case f.Contacted == nil:
		return ""
	case *f.Contacted:
		return "yes"
	}
	return "no"
}

// TagsAddText is TagsAdd as the page's box shows it.
func (f ContactForm) TagsAddText() string { return strings.Join(f.TagsAdd, ", ") }

// Removes reports whether the form removes tag, for the page's checkboxes.
func (f ContactForm) Removes(tag string) bool {
	for _, t := range f.TagsRemove {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}
