package queue_test

import (
	"context"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, u := loginWorld(t)
	ok := queue.Profile{FirstName: " Grace ", LastName: "Hopper", Mobile: "07400 123456", Timezone: "Europe/Paris"}

	bad := []struct {
		name, field string
		edit        func(*queue.Profile)
	}{
		{"ErrFirstName", "first_name", func(p *queue.Profile) { p.FirstName = " " }},
		{"ErrLongLastName", "last_name", func(p *queue.Profile) { p.LastName = strings.Repeat("x", queue.MaxNameLen+1) }},
		{"ErrMobile", "mobile", func(p *queue.Profile) { p.Mobile = "12345" }},
		{"ErrMobileLetters", "mobile", func(p *queue.Profile) { p.Mobile = "my phone" }},
		{"ErrTimezone", "timezone", func(p *queue.Profile) { p.Timezone = "Mars/Olympus" }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			_, err := s.UpdateProfile(ctx, u.OrganisationID, u.ID, p)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want invalid %s", err, queue.ErrorField(err), tc.field)
			}
			if got, _ := s.User(ctx, u.OrganisationID, u.ID); got.FirstName != u.FirstName || got.Mobile != u.Mobile || got.Timezone != u.Timezone {
				t.Fatalf("a refused profile changed the user: %+v", got)
			}
		})
	}
	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		other := mustOrganisation(t, s, "profile-other")
		if _, err := s.UpdateProfile(ctx, other.ID, u.ID, ok); queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("profile changed across organisations: %v", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		got, err := s.UpdateProfile(ctx, u.OrganisationID, u.ID, ok)
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstName != "Grace" || got.LastName != "Hopper" || got.Mobile != "+447400123456" || got.Timezone != "Europe/Paris" {
			t.Fatalf("profile not saved as given: %+v", got)
		}
	})
	t.Run("OKClearing", func(t *testing.T) {
		got, err := s.UpdateProfile(ctx, u.OrganisationID, u.ID, queue.Profile{FirstName: "Grace"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Mobile != "" || got.Timezone != "Europe/London" { // the organisation's
			t.Fatalf("mobile and timezone not cleared: %+v", got)
		}
	})
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, u := loginWorld(t)
	const current = "correct horse battery"
	token, _, err := s.CreateWebSession(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name, current, next, field string
	}{
		{"ErrWrongCurrent", "wrong horse battery", "a brand new passphrase", "current_password"},
		{"ErrWeak", current, "short", "password"},
		{"ErrSame", current, current, "password"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := s.ChangePassword(ctx, u.OrganisationID, u.ID, tc.current, tc.next)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v, want invalid %s", err, tc.field)
			}
			if _, err := s.Authenticate(ctx, u.Email, current); err != nil {
				t.Fatalf("a refused change changed the password: %v", err)
			}
			if _, err := s.WebSessionByToken(ctx, token); err != nil {
				t.Fatalf("a refused change ended the session: %v", err)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		if err := s.ChangePassword(ctx, u.OrganisationID, u.ID, current, "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, u.Email, "a brand new passphrase"); err != nil {
			t.Fatalf("new password refused: %v", err)
		}
		if _, err := s.WebSessionByToken(ctx, token); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
			t.Fatalf("a session survived the password change: %v", err)
		}
	})
}
