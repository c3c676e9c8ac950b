package form

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// ProfileForm is Edit My Profile's form, and the body of PUT /api/v1/me.
// Every rule is the queue's (queue.UpdateProfile): the form has none of
// its own.
type ProfileForm struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Mobile    string `json:"mobile"`
	Timezone  string `json:"timezone"`
}

// NewProfileForm reads the profile form from the request.
func NewProfileForm(r *http.Request) ProfileForm {
	return ProfileForm{
		FirstName: r.PostFormValue("first_name"),
		LastName:  r.PostFormValue("last_name"),
		Mobile:    r.PostFormValue("mobile"),
		Timezone:  r.PostFormValue("timezone"),
	}
}

// ProfileFormOf fills the form with the user's profile as it is.
func ProfileFormOf(u queue.User) ProfileForm {
	return ProfileForm{FirstName: u.FirstName, LastName: u.LastName, Mobile: u.Mobile, Timezone: u.Timezone}
}

// Profile is the change the form asks for.
func (f ProfileForm) Profile() queue.Profile {
	return queue.Profile{FirstName: f.FirstName, LastName: f.LastName, Mobile: f.Mobile, Timezone: f.Timezone}
}
