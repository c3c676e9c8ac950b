package queue_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

func validUser(email string) queue.UserInput {
	return queue.UserInput{FirstName: "Ada", LastName: "Lovelace", Email: email,
		Password: "correct horse battery", Mobile: "07911 123456"}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "users")

	t.Run("OK", func(t *testing.T) {
		u, err := s.CreateUser(ctx, org.ID, validUser(" Ada@Example.ORG "))
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ada@example.org" || u.Mobile != "+447911123456" || u.Timezone != "Europe/London" {
			t.Fatalf("user not normalised: %+v", u)
		}
	})
	bad := []struct {
		name, field string
		edit        func(*queue.UserInput)
	}{
		{"ErrEmptyPassword", "password", func(in *queue.UserInput) { in.Password = "" }},
		{"ErrShortPassword", "password", func(in *queue.UserInput) { in.Password = "short" }},
		{"ErrRepeatedPassword", "password", func(in *queue.UserInput) { in.Password = strings.Repeat("a", 20) }},
		{"ErrCommonPassword", "password", func(in *queue.UserInput) { in.Password = "Password123" }},
		{"ErrLongPassword", "password", func(in *queue.UserInput) { in.Password = strings.Repeat("ab", 40) }},
		{"ErrPasswordIsEmail", "password", func(in *queue.UserInput) { in.Password = in.Email }},
		{"ErrEmail", "email", func(in *queue.UserInput) { in.Email = "not an email" }},
		{"ErrNoEmail", "email", func(in *queue.UserInput) { in.Email = "" }},
		{"ErrMobile", "mobile", func(in *queue.UserInput) { in.Mobile = "12" }},
		{"ErrMobileLetters", "mobile", func(in *queue.UserInput) { in.Mobile = "call me" }},
		{"ErrFirstName", "first_name", func(in *queue.UserInput) { in.FirstName = "" }},
		{"ErrTimezone", "timezone", func(in *queue.UserInput) { in.Timezone = "Nowhere/Else" }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			in := validUser(strings.ToLower(tc.name) + "@example.org")
			tc.edit(&in)
			_, err := s.CreateUser(ctx, org.ID, in)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want invalid %s", err, queue.ErrorField(err), tc.field)
			}
			if _, err := s.Authenticate(ctx, in.Email, in.Password); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
				t.Fatalf("a refused user can log in: %v", err)
			}
		})
	}
	t.Run("ErrDuplicateEmail", func(t *testing.T) {
		other := mustOrganisation(t, s, "users-other")
		if _, err := s.CreateUser(ctx, org.ID, validUser("dup@example.org")); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateUser(ctx, other.ID, validUser("DUP@example.org"))
		if queue.ErrorCode(err) != queue.ECONFLICT || queue.ErrorField(err) != "email" {
			t.Fatalf("got %v, want conflict on email", err)
		}
	})
}

func TestCreateUserConcurrentSameEmail(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	org := mustOrganisation(t, s, "race")
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateUser(context.Background(), org.ID, validUser("same@example.org"))
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch queue.ErrorCode(err) {
		case "":
			created++
		case queue.ECONFLICT:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d users created for one email, want 1", created)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "auth")
	u, err := s.CreateUser(ctx, org.ID, validUser("login@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, email, password string
		ok                    bool
	}{
		{"OK", "login@example.org", "correct horse battery", true},
		{"OKCaseInsensitiveEmail", " LOGIN@example.org", "correct horse battery", true},
		{"ErrWrongPassword", "login@example.org", "Correct horse battery", false},
		{"ErrUnknownEmail", "nobody@example.org", "correct horse battery", false},
		{"ErrEmptyPassword", "login@example.org", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Authenticate(ctx, tc.email, tc.password)
			if tc.ok && (err != nil || got.ID != u.ID) {
				t.Fatalf("login refused: %v", err)
			}
			if !tc.ok && (queue.ErrorCode(err) != queue.EUNAUTHORIZED || queue.ErrorMessage(err) != "email or password is wrong") {
				t.Fatalf("got %v, want the one unauthorised message", err)
			}
		})
	}
	t.Run("SetPassword", func(t *testing.T) {
		if err := s.SetPassword(ctx, org.ID, u.ID, "short"); queue.ErrorField(err) != "password" {
			t.Fatalf("weak password accepted: %v", err)
		}
		if err := s.SetPassword(ctx, org.ID, u.ID, "a new long passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "login@example.org", "a new long passphrase"); err != nil {
			t.Fatalf("new password refused: %v", err)
		}
	})
}

func TestUserRolesAndIsolation(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	a, b := mustOrganisation(t, s, "org-a"), mustOrganisation(t, s, "org-b")
	groupA, groupB := mustGroup(t, s, a.ID, "North"), mustGroup(t, s, b.ID, "South")
	u, err := s.CreateUser(ctx, a.ID, validUser("captain@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetGroupRole(ctx, a.ID, u.ID, groupA.ID, queue.RoleCaptain); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, a.ID, u.ID)
	if err != nil || !got.CanLead(groupA.ID) || got.CanLead(groupB.ID) {
		t.Fatalf("captain of North: %+v %v", got, err)
	}
	if err := s.SetGroupRole(ctx, a.ID, u.ID, groupA.ID, "overlord"); queue.ErrorField(err) != "role" {
		t.Fatalf("unknown role accepted: %v", err)
	}
	if err := s.SetGroupRole(ctx, a.ID, u.ID, groupA.ID, queue.RoleMember); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, a.ID, u.ID); got.CanLead(groupA.ID) {
		t.Fatal("a member may lead")
	}
	// Cross-organisation attempts: all not found, nothing changed.
	if err := s.SetGroupRole(ctx, a.ID, u.ID, groupB.ID, queue.RoleCaptain); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("role in another organisation's group: %v", err)
	}
	if err := s.SetGroupRole(ctx, b.ID, u.ID, groupB.ID, queue.RoleCaptain); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("role for another organisation's user: %v", err)
	}
	if _, err := s.User(ctx, b.ID, u.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("user visible to another organisation: %v", err)
	}
	if _, err := s.SetMobile(ctx, b.ID, u.ID, "+447400123456"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("mobile set across organisations: %v", err)
	}
	if err := s.SetPassword(ctx, b.ID, u.ID, "another long passphrase"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("password set across organisations: %v", err)
	}
	if got, _ := s.User(ctx, a.ID, u.ID); got.Mobile != "+447911123456" {
		t.Fatalf("mobile changed to %q", got.Mobile)
	}
}

func TestSetMobile(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "mobiles")
	in := validUser("mobile@example.org")
	in.Mobile = ""
	u, err := s.CreateUser(ctx, org.ID, in)
	if err != nil || u.Mobile != "" {
		t.Fatalf("%+v %v", u, err)
	}
	if _, err := s.SetMobile(ctx, org.ID, u.ID, "+44 7911 12345"); queue.ErrorField(err) != "mobile" {
		t.Fatalf("invalid mobile accepted: %v", err)
	}
	got, err := s.SetMobile(ctx, org.ID, u.ID, "+1 415 555 2671")
	if err != nil || got.Mobile != "+14155552671" {
		t.Fatalf("%+v %v", got, err)
	}
	if got, err = s.SetMobile(ctx, org.ID, u.ID, ""); err != nil || got.Mobile != "" {
		t.Fatalf("clearing the mobile: %+v %v", got, err)
	}
}
