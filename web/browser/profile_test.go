package browser

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestEditMyProfile: the mobile number decides whether a leader may start
// a session (R2.2): cleared, the list page hides Start and links to Edit My
// Profile; a bad number gets its field's error and changes nothing; a good
// one is saved as E.164 with a success alert, and Start shows again.
func TestEditMyProfile(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	tm := newTeam(t, tb.h, teamOptions{})
	tb.login(tm.Leader.Email, testPassword)

	t.Run("ClearMobile", func(t *testing.T) {
		tb := tb.step(t)
		tb.open(pathProfile)
		if got := tb.attr(selProfileMobile, "value"); got != tm.Leader.Mobile {
			t.Fatalf("mobile box holds %q, want the saved %q", got, tm.Leader.Mobile)
		}
		tb.fill(selProfileMobile, "")
		tb.clickAndLoad(selProfileSubmit)
		tb.waitText(selAlertSuccess, "Your profile is saved.", waitTimeout)
		if got := tb.attr(selProfileMobile, "value"); got != "" {
			t.Errorf("mobile box holds %q after clearing it", got)
		}
		tb.shot("cleared")
	})

	// Waiting on the list page (being built).
	t.Run("StartHiddenWithoutMobile", func(t *testing.T) {
		tb := tb.step(t)
		tb.requirePage(pathList(tm.ListID))
		tb.open(pathList(tm.ListID))
		tb.waitVisible(selProfileHint)
		if tb.visible(selStartButton) || tb.count(selStartSession) > 0 {
			t.Error("Start a calling session shows to a leader without a mobile")
		}
		tb.shot("start_hidden")
		tb.clickAndLoad(selProfileHint)
		if p := tb.path(); p != pathProfile {
			t.Errorf("the hint leads to %s, want %s", p, pathProfile)
		}
	})

	t.Run("InvalidMobile", func(t *testing.T) {
		tb := tb.step(t)
		tb.open(pathProfile)
		tb.allowConsole(`status of 422`) // the refusal's status, logged by Chromium
		tb.fill(selProfileMobile, "12345")
		tb.clickAndLoad(selProfileSubmit)
		tb.waitVisible(selMobileError)
		if got := tb.text(selMobileError); !strings.Contains(got, "not a valid phone number") {
			t.Errorf("mobile error %q", got)
		}
		if got := tb.attr(selProfileMobile, "aria-invalid"); got != "true" {
			t.Errorf("mobile box aria-invalid %q, want true", got)
		}
		if got := tb.attr(selProfileMobile, "value"); got != "12345" {
			t.Errorf("mobile box holds %q, want what was typed kept", got)
		}
		tb.waitVisible(selAlertError)
		if tb.visible(selAlertSuccess) {
			t.Error("a success alert beside the error")
		}
		tb.shot("invalid")
		// Nothing changed: the saved profile still has no mobile.
		tb.open(pathProfile)
		if got := tb.attr(selProfileMobile, "value"); got != "" {
			t.Errorf("a refused mobile was saved: %q", got)
		}
	})

	t.Run("ValidMobile", func(t *testing.T) {
		tb := tb.step(t)
		tb.open(pathProfile)
		national := "0" + strings.TrimPrefix(tm.Leader.Mobile, "+44") // as a leader types it
		tb.fill(selProfileMobile, national[:5]+" "+national[5:])
		tb.clickAndLoad(selProfileSubmit)
		tb.waitText(selAlertSuccess, "Your profile is saved.", waitTimeout)
		if got := tb.attr(selProfileMobile, "value"); got != tm.Leader.Mobile {
			t.Errorf("mobile saved as %q, want E.164 %q", got, tm.Leader.Mobile)
		}
		tb.shot("saved")
		// The alert is shown once.
		tb.open(pathProfile)
		if tb.visible(selAlertSuccess) {
			t.Error("the success alert shows again on the next page")
		}
	})

	// Waiting on the list page (being built).
	t.Run("StartShownWithMobile", func(t *testing.T) {
		tb := tb.step(t)
		tb.requirePage(pathList(tm.ListID))
		tb.open(pathList(tm.ListID))
		tb.click(selStartButton)
		tb.waitVisible(selStartSession)
		want := tm.Leader.FirstName + " - " + tm.List
		if got := tb.attr(selStartSessionName, "value"); got != want {
			t.Errorf("session name pre-filled %q, want %q (R2.1)", got, want)
		}
		if tb.visible(selProfileHint) {
			t.Error("the no-mobile hint still shows")
		}
		tb.shot("start_shown")
	})
}

// TestCSRFGuard: a state change from the page without the session's CSRF
// token is refused with 403 and changes nothing, for a form's POST and for
// the API; the same request with the token goes through (so the token is
// what was missing).
func TestCSRFGuard(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	u := newAdmin(t, tb.h, false)
	tb.login(u.Email, testPassword)
	tb.open(pathProfile)
	tb.allowConsole(`status of 403`) // the refusals, logged by Chromium

	profile := func(first string) string {
		return "first_name=" + first + "&last_name=Admin&mobile=" + strings.ReplaceAll(u.Mobile, "+", "%2B") + "&timezone=Europe%2FLondon"
	}
	apiBody := func(first string) string {
		b, _ := json.Marshal(map[string]string{"first_name": first, "last_name": "Admin", "mobile": u.Mobile, "timezone": "Europe/London"})
		return string(b)
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	cases := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		body    string
		want    int
	}{
		{"FormWithoutToken", http.MethodPost, pathProfile, form, profile("Mallory"), http.StatusForbidden},
		{"FormWrongToken", http.MethodPost, pathProfile, form, profile("Mallory") + "&csrf=forged", http.StatusForbidden},
		{"APIWithoutToken", http.MethodPut, apiPrefix + apiMe, map[string]string{"Content-Type": "application/json"}, apiBody("Mallory"), http.StatusForbidden},
		{"LogoutWithoutToken", http.MethodPost, "/logout", form, "", http.StatusForbidden},
		{"APIWithToken", http.MethodPut, apiPrefix + apiMe, map[string]string{"Content-Type": "application/json", "X-Csrf-Token": "TOKEN"}, apiBody(u.FirstName), http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tb := tb.step(t)
			headers := map[string]string{}
			for k, v := range tc.headers {
				if v == "TOKEN" {
					v = tb.csrf()
				}
				headers[k] = v
			}
			r := tb.fetch(tc.method, tc.path, headers, tc.body)
			if r.Status != tc.want {
				t.Fatalf("%s %s: %d %s, want %d", tc.method, tc.path, r.Status, r.Body, tc.want)
			}
			if tc.want == http.StatusForbidden && strings.HasPrefix(tc.path, apiPrefix) && !strings.Contains(r.Body, `"code":"forbidden"`) {
				t.Errorf("API refusal body %s, want the error's code", r.Body)
			}
		})
	}
	// Nothing the refused requests asked for happened: still logged in,
	// the name unchanged.
	tb = tb.step(t)
	tb.open(pathProfile)
	if got := tb.attr("#first_name", "value"); got != u.FirstName {
		t.Errorf("first name %q after refused changes, want %q", got, u.FirstName)
	}
	tb.shot("after")
}
