package form

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// PasswordForm is Edit My Profile's password change, and the body of POST
// /api/v1/me/password (which has no confirmation box: Confirm stays empty
// and Validate is the page's alone).
type PasswordForm struct {
	Current string `json:"current_password"`
	New     string `json:"password"`
	Confirm string `json:"-"`
}

// NewPasswordForm reads the password form from the request.
func NewPasswordForm(r *http.Request) PasswordForm {
	return PasswordForm{
		Current: r.PostFormValue("current_password"),
		New:     r.PostFormValue("password"),
		Confirm: r.PostFormValue("password_confirm"),
	}
}

// Validate asks for the current password and a new one typed twice alike.
// How strong the new one must be is the queue's rule.
func (f PasswordForm) Validate() error {
	switch {
	case f.Current == "":
		return queue.FieldErrorf("current_password", "is required")
	case f.New == "":
		return queue.FieldErrorf("password", "is required")
	case f.Confirm != f.New:
		return queue.FieldErrorf("password_confirm", "does not match the new password")
	}
	return nil
}
