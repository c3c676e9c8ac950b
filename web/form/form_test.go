package form_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

func post(values url.Values) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(values.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestLoginForm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, email, password, field string
	}{
		{"OK", " ada@example.org ", "secret", ""},
		{"ErrNoEmail", "  ", "secret", "email"},
		{"ErrNoPassword", "ada@example.org", "", "password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := form.NewLoginForm(post(url.Values{"email": {tc.email}, "password": {tc.password}, "next": {"/profile"}}))
			if f.Email != strings.TrimSpace(tc.email) || f.Next != "/profile" {
				t.Fatalf("read %+v", f)
			}
			if err := f.Validate(); queue.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
				t.Fatalf("Validate() = %v, want field %q", err, tc.field)
			}
		})
	}
}

func TestPasswordForm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, current, next, confirm, field string
	}{
		{"OK", "old secret", "new secret!", "new secret!", ""},
		{"ErrNoCurrent", "", "new secret!", "new secret!", "current_password"},
		{"ErrNoNew", "old secret", "", "", "password"},
		{"ErrMismatch", "old secret", "new secret!", "new secret?", "password_confirm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := form.NewPasswordForm(post(url.Values{"current_password": {tc.current}, "password": {tc.next}, "password_confirm": {tc.confirm}}))
			if err := f.Validate(); queue.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
				t.Fatalf("Validate() = %v, want field %q", err, tc.field)
			}
		})
	}
}

func TestProfileForm(t *testing.T) {
	t.Parallel()
	f := form.NewProfileForm(post(url.Values{"first_name": {"Ada"}, "last_name": {"L"}, "mobile": {"07911 123456"}, "timezone": {"Europe/London"}}))
	want := queue.Profile{FirstName: "Ada", LastName: "L", Mobile: "07911 123456", Timezone: "Europe/London"}
	if got := f.Profile(); got != want {
		t.Fatalf("Profile() = %+v, want %+v", got, want)
	}
	u := queue.User{FirstName: "Ada", LastName: "L", Mobile: "+447911123456", Timezone: "Europe/Paris"}
	if got := form.ProfileFormOf(u); got.Mobile != u.Mobile || got.Timezone != u.Timezone {
		t.Fatalf("ProfileFormOf = %+v", got)
	}
}
