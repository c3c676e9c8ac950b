package form

import (
	"net/http"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// LoginForm is the login page's form.
type LoginForm struct {
	Email    string
	Password string // never shown again
	Next     string // the page the visitor asked for before logging in
}

// NewLoginForm reads the login form from the request.
func NewLoginForm(r *http.Request) LoginForm {
	return LoginForm{
		Email:    strings.TrimSpace(r.PostFormValue("email")),
		Password: r.PostFormValue("password"),
		Next:     r.PostFormValue("next"),
	}
}

// Validate asks for both boxes. Whether they are right is the queue's
// answer, the same for an unknown email as for a wrong password.
func (f LoginForm) Validate() error {
	switch {
	case f.Email == "":
		return queue.FieldErrorf("email", "is required")
	case f.Password == "":
		return queue.FieldErrorf("password", "is required")
	}
	return nil
}
