package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
)

func TestProfileUpdate(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	b := p.browser(t)
	b.logIn(p.leader.Email, leaderPassword)
	pg := b.get("/profile")
	wantBody(t, "profile", pg, `<label for="mobile">Mobile number</label>`, `<option value="Europe/London" selected>`,
		`<label for="timezone">Timezone</label>`, `aria-current="page">Edit My Profile`)

	unchanged := func(t *testing.T) {
		t.Helper()
		u, err := p.store.User(t.Context(), p.org.ID, p.leader.ID)
		if err != nil || u.FirstName != p.leader.FirstName || u.Mobile != "" || u.Timezone != "Europe/London" {
			t.Fatalf("a refused form changed the user: %+v %v", u, err)
		}
	}
	bad := []struct {
		name, field, value, message string
	}{
		{"ErrMobile", "mobile", "12", `is not a valid phone number`},
		{"ErrMobileLetters", "mobile", "call me maybe", `holds no digits`},
		{"ErrTimezone", "timezone", "Mars/Olympus", `is not a known timezone`},
		{"ErrFirstName", "first_name", "", `must be 1-100 characters`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"first_name": {"Grace"}, "last_name": {"Hopper"}, "mobile": {"07400 123456"}, "timezone": {"Europe/Paris"}}
			form.Set(tc.field, tc.value)
			pg := b.post("/profile", form)
			wantStatus(t, tc.name, pg, http.StatusUnprocessableEntity)
			wantBody(t, tc.name, pg, `id="`+tc.field+`-error">`, tc.message, `aria-invalid="true"`, `href="#`+tc.field+`"`)
			// The form comes back as sent.
			if tc.field != "last_name" {
				wantBody(t, tc.name, pg, `value="Hopper"`)
			}
			if tc.field == "mobile" {
				wantBody(t, tc.name, pg, `value="`+tc.value+`"`)
			}
			unchanged(t)
		})
	}
	t.Run("OK", func(t *testing.T) {
		pg := b.post("/profile", url.Values{"first_name": {"Grace"}, "last_name": {"Hopper"}, "mobile": {"07400 123456"}, "timezone": {"Europe/Paris"}})
		if pg.status != http.StatusSeeOther || pg.location() != "/profile" {
			t.Fatalf("save: %d to %q\n%s", pg.status, pg.location(), pg.body)
		}
		pg = b.get("/profile")
		wantBody(t, "saved profile", pg, `role="status">Your profile is saved.`, `value="&#43;447400123456"`, // html/template's escape of "+"
			`<option value="Europe/Paris" selected>`, "Grace Hopper")
		if pg := b.get("/profile"); strings.Contains(pg.body, "Your profile is saved.") {
			t.Fatal("the success alert shows twice")
		}
	})
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	b := p.browser(t)
	b.logIn(p.leader.Email, leaderPassword)
	other := p.browser(t) // the same user on another device
	other.logIn(p.leader.Email, leaderPassword)
	b.get("/profile")

	bad := []struct {
		name, current, next, confirm, field string
	}{
		{"ErrWrongCurrent", "wrong horse battery", "a brand new passphrase", "a brand new passphrase", "current_password"},
		{"ErrNoCurrent", "", "a brand new passphrase", "a brand new passphrase", "current_password"},
		{"ErrMismatch", leaderPassword, "a brand new passphrase", "a brand new passphrasE", "password_confirm"},
		{"ErrWeak", leaderPassword, "short", "short", "password"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			pg := b.post("/profile/password", url.Values{"current_password": {tc.current}, "password": {tc.next}, "password_confirm": {tc.confirm}})
			wantStatus(t, tc.name, pg, http.StatusUnprocessableEntity)
			wantBody(t, tc.name, pg, `id="`+tc.field+`-error">`)
			if strings.Contains(pg.body, tc.next) || (tc.current != "" && strings.Contains(pg.body, tc.current)) {
				t.Fatal("a password is sent back")
			}
			if _, err := p.store.Authenticate(t.Context(), p.leader.Email, leaderPassword); err != nil {
				t.Fatalf("a refused change changed the password: %v", err)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		old := b.cookie("callingd_session")
		pg := b.post("/profile/password", url.Values{"current_password": {leaderPassword},
			"password": {"a brand new passphrase"}, "password_confirm": {"a brand new passphrase"}})
		if pg.status != http.StatusSeeOther || pg.location() != "/profile" {
			t.Fatalf("change: %d to %q\n%s", pg.status, pg.location(), pg.body)
		}
		if b.cookie("callingd_session") == old {
			t.Fatal("the session was not replaced")
		}
		wantBody(t, "after the change", b.get("/profile"), "Your password is changed.")
		if pg := other.get("/sessions"); pg.status != http.StatusSeeOther {
			t.Fatalf("the other device is still logged in: %d", pg.status)
		}
		if _, err := p.store.Authenticate(t.Context(), p.leader.Email, "a brand new passphrase"); err != nil {
			t.Fatalf("new password refused: %v", err)
		}
	})
}

// TestTimezonesOffered: every zone the profile offers is one the queue
// accepts.
func TestTimezonesOffered(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	b := p.browser(t)
	b.logIn(p.leader.Email, leaderPassword)
	pg := b.get("/profile")
	zones := strings.Split(pg.body, `<option value="`)[1:]
	if len(zones) < 50 {
		t.Fatalf("%d zones offered", len(zones))
	}
	for _, z := range zones {
		name := z[:strings.Index(z, `"`)]
		if err := queue.ValidateTimezone("timezone", name); err != nil {
			t.Errorf("offered zone %s: %v", name, err)
		}
	}
}
